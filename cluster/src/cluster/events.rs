//! What a node knows of its lease, and the events it publishes.

use tokio::time::Instant;

use crate::backend::{FencingToken, LeaseId};

/// Whether this node's lease is held, as far as it can know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaseState {
    /// Renewed recently enough: the lease cannot have expired before `safe_until` (the last
    /// renewal's send time plus the TTL, minus the fence margin).
    Held {
        /// The lease.
        lease: LeaseId,
        /// Until when the node may act as the holder of its names.
        safe_until: Instant,
    },
    /// The lease may have expired: global children are stopped, names are not claimed.
    Lost,
}

impl LeaseState {
    /// The lease, while held.
    pub fn lease(&self) -> Option<LeaseId> {
        match self {
            LeaseState::Held { lease, .. } => Some(*lease),
            LeaseState::Lost => None,
        }
    }
}

/// Something the cluster layer saw or did. Every event is also logged with `tracing`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClusterEvent {
    /// A node joined (or was already there when this node started watching).
    NodeUp {
        /// The node.
        node: String,
    },
    /// A node left, or its lease expired.
    NodeDown {
        /// The node.
        node: String,
    },
    /// This node's lease is held (at join, and again after a loss).
    LeaseHeld {
        /// The lease.
        lease: LeaseId,
    },
    /// This node could not renew its lease in time: its global children were stopped.
    LeaseLost {
        /// The lease.
        lease: LeaseId,
    },
    /// This node claimed a global name and started its child.
    Acquired {
        /// The name.
        name: String,
        /// The fencing token the child was started with.
        token: FencingToken,
    },
    /// This node stopped a global child because its lease may have expired.
    Fenced {
        /// The name.
        name: String,
        /// The token the child ran with.
        token: FencingToken,
    },
    /// This node released a global name (an orderly stop).
    Released {
        /// The name.
        name: String,
        /// The token it held.
        token: FencingToken,
    },
    /// A global name is held as a different server type than this node wants it as.
    TypeMismatch {
        /// The name.
        name: String,
        /// What the holder registered it as.
        held_as: String,
        /// What this node wants.
        wanted: String,
        /// The node holding it.
        holder: String,
    },
}
