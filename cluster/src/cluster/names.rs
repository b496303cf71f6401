//! Global names as the cache and a claim know them, and what a name's key holds.

use serde::{Deserialize, Serialize};

use crate::backend::{FencingToken, LeaseId};

/// What a global name's key holds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct NameValue {
    pub(crate) node: String,
    pub(crate) kind: String,
}

/// A global name as the local cache knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalName {
    /// The name.
    pub name: String,
    /// The node holding it.
    pub node: String,
    /// The server type it is held as.
    pub kind: String,
    /// Its fencing token.
    pub token: FencingToken,
    /// The lease it lives under.
    pub lease: LeaseId,
}

/// A name this node holds: pass [`token`](Self::token) to the side-effect targets so they can
/// refuse a stale holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The name.
    pub name: String,
    /// The node holding it (this one).
    pub node: String,
    /// The fencing token.
    pub token: FencingToken,
    /// The lease it lives under.
    pub lease: LeaseId,
}
