//! How a node joins: its cluster and node names, the lease TTL and fence margin, the message
//! limit.

use std::sync::Arc;
use std::time::Duration;

use super::error::ClusterError;
use crate::transport::Transport;

/// The default lease TTL of a node.
pub const DEFAULT_TTL: Duration = Duration::from_secs(10);

/// How a node joins: the cluster's name, the node's name, and the lease's timing.
///
/// ```
/// use std::time::Duration;
/// use perennial_cluster::ClusterConfig;
///
/// let config = ClusterConfig::new("shop", "node-a").ttl(Duration::from_secs(5));
/// assert_eq!(config.renew_every(), Duration::from_secs(5) / 3);
/// assert_eq!(config.fence_margin(), Duration::from_secs(1));
/// ```
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    pub(crate) cluster: String,
    pub(super) node: String,
    pub(super) ttl: Duration,
    pub(super) margin: Option<Duration>,
    pub(super) renew_deadline: Option<Duration>,
    pub(crate) transport: Option<Arc<dyn Transport>>,
    pub(crate) subject_prefix: String,
    pub(super) max_message: usize,
}

/// The default limit of a remote message's payload: NATS's default `max_payload`, 1 MiB.
pub const DEFAULT_MAX_MESSAGE: usize = 1024 * 1024;

impl ClusterConfig {
    /// Node `node` of cluster `cluster` (keys live under `perennial/<cluster>/`), with a lease
    /// TTL of [`DEFAULT_TTL`].
    pub fn new(cluster: impl Into<String>, node: impl Into<String>) -> Self {
        ClusterConfig {
            cluster: cluster.into(),
            node: node.into(),
            ttl: DEFAULT_TTL,
            margin: None,
            renew_deadline: None,
            transport: None,
            subject_prefix: "perennial".to_owned(),
            max_message: DEFAULT_MAX_MESSAGE,
        }
    }

    /// The cluster's name.
    pub fn cluster_name(&self) -> &str {
        &self.cluster
    }

    /// This node's name.
    pub fn node_name(&self) -> &str {
        &self.node
    }

    /// Carries remote calls over `transport` ([`NatsTransport`](crate::NatsTransport) in
    /// production): exported global children serve their subjects on it, and
    /// [`Cluster::remote`](super::Cluster::remote) clients call through it.
    pub fn with_transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// The transport, if one was given.
    pub fn transport(&self) -> Option<&Arc<dyn Transport>> {
        self.transport.as_ref()
    }

    /// The first token of every subject: servers are served on
    /// `<prefix>.<cluster>.<name>`. `perennial` unless set.
    pub fn subject_prefix(&self) -> &str {
        &self.subject_prefix
    }

    /// Sets [`subject_prefix`](Self::subject_prefix).
    pub fn with_subject_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.subject_prefix = prefix.into();
        self
    }

    /// The largest remote message (a call, cast or reply, encoded) sent or accepted, in
    /// bytes; [`DEFAULT_MAX_MESSAGE`] unless set, and never more than the transport carries.
    pub fn max_message(&self) -> usize {
        self.max_message
    }

    /// Sets [`max_message`](Self::max_message).
    pub fn with_max_message(mut self, bytes: usize) -> Self {
        self.max_message = bytes;
        self
    }

    /// The lease TTL: after this long without a renewal, the store drops the node and its
    /// names. Renewals run every TTL/3.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How long before the lease could expire (counted from the last renewal sent) the node
    /// stops its global children. Default TTL/5. It must cover the global children's shutdown.
    pub fn fence_margin(&self) -> Duration {
        self.margin.unwrap_or(self.ttl / 5)
    }

    /// Sets [`fence_margin`](Self::fence_margin).
    pub fn with_fence_margin(mut self, margin: Duration) -> Self {
        self.margin = Some(margin);
        self
    }

    /// How long one renewal may take before it is abandoned and the connection re-dialled.
    /// Default TTL/3.
    pub fn renew_deadline(&self) -> Duration {
        self.renew_deadline.unwrap_or(self.ttl / 3)
    }

    /// Sets [`renew_deadline`](Self::renew_deadline).
    pub fn with_renew_deadline(mut self, deadline: Duration) -> Self {
        self.renew_deadline = Some(deadline);
        self
    }

    /// The time between renewals: TTL/3.
    pub fn renew_every(&self) -> Duration {
        self.ttl / 3
    }

    pub(super) fn validate(&self) -> Result<(), ClusterError> {
        let bad = |what: &str| ClusterError::InvalidConfig(what.to_owned());
        for (what, name) in [("cluster", &self.cluster), ("node", &self.node)] {
            if name.is_empty() || name.contains('/') {
                return Err(bad(&format!(
                    "the {what} name `{name}` must be non-empty and contain no `/`"
                )));
            }
        }
        if self.ttl < Duration::from_secs(1) {
            return Err(bad(
                "the lease TTL must be at least 1 s (etcd counts whole seconds)",
            ));
        }
        if self.fence_margin() >= self.ttl {
            return Err(bad("the fence margin must be shorter than the lease TTL"));
        }
        let subject = crate::transport::subject(&self.subject_prefix, &self.cluster, "x");
        if !crate::transport::valid_subject(&subject) {
            return Err(bad(&format!(
                "the subject prefix `{}` and the cluster name `{}` must make valid NATS subject \
                 tokens (non-empty, no whitespace, `*` or `>`)",
                self.subject_prefix, self.cluster
            )));
        }
        Ok(())
    }
}
