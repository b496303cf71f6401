//! Why joining, claiming or starting failed.

use std::fmt;

use crate::backend::{BackendError, FencingToken};
use crate::transport::TransportError;

/// Why joining, claiming or starting failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClusterError {
    /// The store did not answer or refused.
    Backend(BackendError),
    /// The configuration is unusable.
    InvalidConfig(String),
    /// The name is held by a live node.
    NameTaken {
        /// The name.
        name: String,
        /// The node holding it.
        holder: String,
        /// Its token.
        token: FencingToken,
    },
    /// The name is held as another server type: the cluster runs two kinds of server under
    /// one name, which is a deployment error.
    TypeMismatch {
        /// The name.
        name: String,
        /// What the holder registered it as.
        held_as: String,
        /// What was asked for.
        wanted: String,
        /// The node holding it.
        holder: String,
    },
    /// This node's lease is not held right now (renewals are failing): nothing can be claimed.
    NoLease,
    /// A global child's spec does not fit its declaration.
    InvalidChild(String),
    /// The local supervisor refused.
    Supervisor(String),
    /// Remote calls need a transport: the configuration has none.
    NoTransport,
    /// The transport failed (subscribing a server's subject, for one).
    Transport(TransportError),
}

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterError::Backend(e) => fmt::Display::fmt(e, f),
            ClusterError::InvalidConfig(why) => write!(f, "invalid cluster configuration: {why}"),
            ClusterError::NameTaken {
                name,
                holder,
                token,
            } => write!(
                f,
                "the global name `{name}` is held by node `{holder}` (token {token})"
            ),
            ClusterError::TypeMismatch {
                name,
                held_as,
                wanted,
                holder,
            } => write!(
                f,
                "the global name `{name}` is held by node `{holder}` as a `{held_as}`, not a \
                 `{wanted}`; every node must run the same server type under one global name"
            ),
            ClusterError::NoLease => f.write_str(
                "this node's lease is not held (renewals are failing); it claims nothing until \
                 the store answers again",
            ),
            ClusterError::InvalidChild(why) => write!(f, "invalid global child: {why}"),
            ClusterError::Supervisor(why) => write!(f, "the local supervisor refused: {why}"),
            ClusterError::NoTransport => f.write_str(
                "remote calls need a transport: join with \
                 `ClusterConfig::with_transport(NatsTransport::connect(url).await?)`",
            ),
            ClusterError::Transport(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for ClusterError {}

impl From<BackendError> for ClusterError {
    fn from(e: BackendError) -> Self {
        ClusterError::Backend(e)
    }
}
