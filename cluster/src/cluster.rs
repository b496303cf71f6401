//! A node's membership: its lease and node key, the renewal schedule and fence deadline, and
//! the local cache of members and global names fed by one prefix watch.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::backend::WatchEvent;
use crate::backend::{BackendError, ClaimOutcome, FencingToken, LeaseId, NameBackend, Record};
use crate::remote::RemoteServer;
use crate::transport::{Transport, TransportError};

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
    cluster: String,
    node: String,
    ttl: Duration,
    margin: Option<Duration>,
    renew_deadline: Option<Duration>,
    transport: Option<Arc<dyn Transport>>,
    subject_prefix: String,
    max_message: usize,
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
    /// [`Cluster::remote`] clients call through it.
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

    fn validate(&self) -> Result<(), ClusterError> {
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
        let subject = crate::remote::subject(&self.subject_prefix, &self.cluster, "x");
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

#[derive(Default)]
pub(crate) struct Cache {
    pub(crate) nodes: BTreeSet<String>,
    pub(crate) names: HashMap<String, Arc<GlobalName>>,
    /// The revision the cache reflects.
    pub(crate) revision: i64,
}

pub(crate) struct Inner<B> {
    pub(crate) backend: B,
    pub(crate) config: ClusterConfig,
    pub(crate) prefix: String,
    pub(crate) lease: watch::Receiver<LeaseState>,
    pub(crate) cache: RwLock<Cache>,
    /// Bumped after every change the cache applies, so waiters re-read it.
    pub(crate) changes: watch::Sender<i64>,
    pub(crate) events: broadcast::Sender<ClusterEvent>,
    pub(crate) suspended: AtomicBool,
    pub(crate) stop: watch::Sender<bool>,
}

/// This node's membership of a cluster: its lease, the cache of members and global names, and
/// the events. Cheap to clone; the node leaves when [`leave`](Self::leave) is called (or the
/// process ends and its lease expires).
///
/// ```
/// use std::time::Duration;
/// use perennial_cluster::{Cluster, ClusterConfig, MemoryBackend};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryBackend::new();
/// let a = Cluster::join(store.clone(), ClusterConfig::new("shop", "a")).await?;
/// let claim = a.claim::<String>("ledger").await?;
/// assert_eq!(a.lookup("ledger").map(|n| n.token), Some(claim.token));
/// a.leave().await;
/// # Ok(())
/// # }
/// ```
pub struct Cluster<B: NameBackend> {
    pub(crate) inner: Arc<Inner<B>>,
}

impl<B: NameBackend> Clone for Cluster<B> {
    fn clone(&self) -> Self {
        Cluster {
            inner: self.inner.clone(),
        }
    }
}

impl<B: NameBackend> fmt::Debug for Cluster<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("cluster", &self.inner.config.cluster)
            .field("node", &self.inner.config.node)
            .finish()
    }
}

impl Cluster<crate::EtcdBackend> {
    /// Connects to etcd at `endpoints` and joins. Fails with
    /// [`BackendError::Unreachable`] naming the endpoints when no member answers.
    pub async fn connect<E: AsRef<str>>(
        endpoints: impl IntoIterator<Item = E>,
        config: ClusterConfig,
    ) -> Result<Self, ClusterError> {
        config.validate()?;
        let backend = crate::EtcdBackend::connect(endpoints).await?;
        Self::join(backend, config).await
    }
}

impl<B: NameBackend> Cluster<B> {
    /// Joins through `backend`: grants the node's lease, creates its node key, reads the
    /// members and names, and starts renewing and watching.
    pub async fn join(backend: B, config: ClusterConfig) -> Result<Self, ClusterError> {
        config.validate()?;
        let prefix = format!("perennial/{}/", config.cluster);
        let node_key = format!("{prefix}nodes/{}", config.node);
        let node_value = serde_json::to_vec(&NameValue {
            node: config.node.clone(),
            kind: "node".into(),
        })
        .map_err(|e| ClusterError::InvalidConfig(e.to_string()))?;
        let sent = Instant::now();
        let lease = tokio::time::timeout(
            config.ttl,
            backend.join(&node_key, node_value.clone(), config.ttl),
        )
        .await
        .map_err(|_| BackendError::Unreachable {
            endpoints: backend.endpoints(),
            cause: format!("joining took longer than the TTL ({:?})", config.ttl),
        })??;
        let margin = config.fence_margin();
        let held = LeaseState::Held {
            lease: lease.id,
            safe_until: sent + lease.ttl - margin,
        };
        let (lease_tx, lease_rx) = watch::channel(held);
        let (events, _) = broadcast::channel(1024);
        let (stop, _) = watch::channel(false);
        let inner = Arc::new(Inner {
            backend,
            config,
            prefix,
            lease: lease_rx,
            cache: RwLock::new(Cache::default()),
            changes: watch::channel(0).0,
            events,
            suspended: AtomicBool::new(false),
            stop,
        });
        tracing::info!(node = %inner.config.node, lease = %lease.id, ttl = ?lease.ttl, "joined the cluster");
        inner.emit(ClusterEvent::LeaseHeld { lease: lease.id });
        // The first read before returning, so lookups answer at once.
        let revision = inner.reload().await?;
        tokio::spawn(watch_loop(inner.clone(), revision));
        tokio::spawn(keeper(
            inner.clone(),
            lease_tx,
            lease.id,
            lease.ttl,
            sent,
            node_key,
            node_value,
        ));
        Ok(Cluster { inner })
    }

    /// This node's name.
    pub fn node(&self) -> &str {
        &self.inner.config.node
    }

    /// The backend, shared.
    pub fn backend(&self) -> &B {
        &self.inner.backend
    }

    /// The configuration joined with.
    pub fn config(&self) -> &ClusterConfig {
        &self.inner.config
    }

    /// Whether this node's lease is held now.
    pub fn lease(&self) -> LeaseState {
        *self.inner.lease.borrow()
    }

    /// A receiver that sees every change of [`lease`](Self::lease).
    pub fn watch_lease(&self) -> watch::Receiver<LeaseState> {
        self.inner.lease.clone()
    }

    /// The live nodes, as the cache knows them.
    pub fn members(&self) -> Vec<String> {
        self.inner.read_cache().nodes.iter().cloned().collect()
    }

    /// A global name's holder and token, from the local cache (no round trip, no allocation:
    /// the cache shares its entry).
    pub fn lookup(&self, name: &str) -> Option<Arc<GlobalName>> {
        self.inner.read_cache().names.get(name).cloned()
    }

    /// Waits until the local cache shows `name` held and `accept` takes the holder, and returns
    /// it: woken by each change of the cache, no polling. Bound it with a timeout where the
    /// name may never come.
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_cluster::{Cluster, ClusterConfig, MemoryBackend};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let store = MemoryBackend::new();
    /// let config = |node| ClusterConfig::new("shop", node).ttl(Duration::from_secs(3));
    /// let a = Cluster::join(store.clone(), config("a")).await?;
    /// let b = Cluster::join(store.clone(), config("b")).await?;
    /// let claim = a.claim::<()>("ledger").await?;
    /// let seen = b.wait_lookup("ledger", |held| held.node == "a").await;
    /// assert_eq!(seen.token, claim.token);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_lookup(
        &self,
        name: &str,
        mut accept: impl FnMut(&GlobalName) -> bool,
    ) -> Arc<GlobalName> {
        let mut changes = self.inner.changes.subscribe();
        loop {
            changes.borrow_and_update();
            if let Some(held) = self.lookup(name).filter(|held| accept(held)) {
                return held;
            }
            // The sender lives as long as this handle's cluster: it cannot close while we wait.
            if changes.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    /// Subscribes to the cluster's events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ClusterEvent> {
        self.inner.events.subscribe()
    }

    /// Claims the global name `name` for a server of type `S` under this node's lease. The
    /// name stays claimed until [`release`](Self::release) or until the lease is lost.
    pub async fn claim<S: ?Sized>(&self, name: &str) -> Result<Claim, ClusterError> {
        self.inner.claim(name, std::any::type_name::<S>()).await
    }

    /// A typed client of the server `S` held under the global name `name`, on whichever node
    /// holds it now: the same client type, with the same methods, as a local one. Its calls
    /// follow the name through takeovers. Errors map to the local ones:
    ///
    /// - nobody holds or serves the name: [`CallError::NotRunning`] at once;
    /// - no reply within the client's timeout: [`CallError::Timeout`] (the call may or may not
    ///   have run);
    /// - the server exited while handling the call: [`CallError::Exited`] with its reason;
    /// - the name moved (the receiver does not hold it under the token the caller's cache
    ///   showed): the call did not run, so it is sent again to the new holder, within the
    ///   timeout;
    /// - a message too large, or one the other node cannot decode: [`CallError::Remote`].
    ///
    /// A cast is a publish: at most once, and it may be lost. Info messages and `stop` stay
    /// local. Fails with [`ClusterError::NoTransport`] without a transport in the config.
    ///
    /// [`CallError::NotRunning`]: perennial_runtime::CallError::NotRunning
    /// [`CallError::Timeout`]: perennial_runtime::CallError::Timeout
    /// [`CallError::Exited`]: perennial_runtime::CallError::Exited
    /// [`CallError::Remote`]: perennial_runtime::CallError::Remote
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_cluster::{Cluster, ClusterConfig, GlobalChild, GlobalTree, MemoryBackend, MemoryTransport};
    /// use perennial_runtime::supervisor::SupervisorSpec;
    /// use perennial_runtime::{CallError, Client, Context, GenServer, HasClient};
    /// # use std::convert::Infallible;
    ///
    /// struct Total(u64);
    ///
    /// impl GenServer for Total {
    ///     type Args = ();
    ///     type Call = u64;
    ///     type Reply = u64;
    ///     type Cast = ();
    ///     type Info = Infallible;
    ///     type Continue = Infallible;
    ///     type Error = Infallible;
    ///     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Total(0)) }
    ///     async fn handle_call(&mut self, n: u64, _: &mut Context<Self>) -> u64 { self.0 += n; self.0 }
    /// }
    /// impl HasClient for Total { type Client = Client<Total>; }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (store, bus) = (MemoryBackend::new(), MemoryTransport::new());
    /// let config = |node| ClusterConfig::new("shop", node).with_transport(bus.clone());
    /// let a = Cluster::join(store.clone(), config("a")).await?;
    /// let c = Cluster::join(store.clone(), config("c")).await?;
    /// let total = c.remote::<Total>("total")?;
    /// assert!(matches!(total.call(1).await, Err(CallError::NotRunning { .. })));
    ///
    /// let tree = GlobalTree::new(SupervisorSpec::new("app"))
    ///     .global(GlobalChild::exported::<Total>("total", |_| ()))
    ///     .start(&a)
    ///     .await?;
    /// tree.wait_holding("total").await;
    /// # while c.lookup("total").is_none() { tokio::task::yield_now().await; }
    /// assert_eq!(total.call(2).await?, 2); // from node c, run on node a
    /// assert_eq!(total.call(3).await?, 5);
    /// tree.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn remote<S: RemoteServer>(&self, name: &str) -> Result<S::Client, ClusterError> {
        let transport = self
            .inner
            .config
            .transport
            .clone()
            .ok_or(ClusterError::NoTransport)?;
        let subject = crate::remote::subject(
            &self.inner.config.subject_prefix,
            &self.inner.config.cluster,
            name,
        );
        if name.is_empty() || name.contains('/') || !crate::transport::valid_subject(&subject) {
            return Err(ClusterError::InvalidChild(format!(
                "`{name}` cannot be a remote server's name: names are non-empty, without `/`, \
                 whitespace, `*` or `>`"
            )));
        }
        Ok(crate::remote::client::<S, B>(
            self.inner.clone(),
            transport,
            name,
        ))
    }

    /// Releases a claim: deletes the name only if it is still the one this claim created.
    /// `Ok(false)`: it was already gone (the lease was lost) or held by a later claim.
    pub async fn release(&self, claim: &Claim) -> Result<bool, ClusterError> {
        let released = self
            .inner
            .backend
            .release(&self.inner.name_key(&claim.name), claim.token)
            .await?;
        if released {
            self.inner.forget(&claim.name, claim.token);
            self.inner.emit(ClusterEvent::Released {
                name: claim.name.clone(),
                token: claim.token,
            });
        }
        Ok(released)
    }

    /// Stops renewing the lease (`true`), as if this node were cut off from the store, or
    /// renews again (`false`). For fault drills and tests: the node fences itself at its
    /// deadline and the other nodes take its names over once the store expires its lease.
    pub fn suspend_renewals(&self, suspend: bool) {
        self.inner.suspended.store(suspend, Ordering::SeqCst);
    }

    /// Leaves: stops renewing and revokes the lease, so the node's names are free at once.
    /// Stop the global children first ([`RunningTree::shutdown`](crate::RunningTree::shutdown)).
    pub async fn leave(&self) {
        self.inner.stop.send_replace(true);
        if let Some(lease) = self.lease().lease() {
            let deadline = self.inner.config.renew_deadline();
            let _ = tokio::time::timeout(deadline, self.inner.backend.revoke(lease)).await;
        }
    }
}

impl<B: NameBackend> Inner<B> {
    pub(crate) fn emit(&self, event: ClusterEvent) {
        match &event {
            ClusterEvent::LeaseLost { .. }
            | ClusterEvent::Fenced { .. }
            | ClusterEvent::NodeDown { .. } => {
                tracing::warn!(node = %self.config.node, ?event, "cluster")
            }
            ClusterEvent::TypeMismatch { .. } => {
                tracing::error!(node = %self.config.node, ?event, "cluster")
            }
            _ => tracing::info!(node = %self.config.node, ?event, "cluster"),
        }
        let _ = self.events.send(event);
    }

    /// Drops a name this node released from the cache, if it still shows that claim.
    pub(crate) fn forget(&self, name: &str, token: FencingToken) {
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        if cache.names.get(name).is_some_and(|k| k.token == token) {
            cache.names.remove(name);
        }
        drop(cache);
        self.changes.send_modify(|n| *n += 1);
    }

    pub(crate) fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, Cache> {
        self.cache.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn name_key(&self, name: &str) -> String {
        format!("{}names/{name}", self.prefix)
    }

    pub(crate) async fn claim(&self, name: &str, kind: &str) -> Result<Claim, ClusterError> {
        let lease = self.lease.borrow().lease().ok_or(ClusterError::NoLease)?;
        let value = serde_json::to_vec(&NameValue {
            node: self.config.node.clone(),
            kind: kind.to_owned(),
        })
        .map_err(|e| ClusterError::InvalidChild(e.to_string()))?;
        let outcome = tokio::time::timeout(
            self.config.renew_deadline(),
            self.backend.claim(&self.name_key(name), value, lease),
        )
        .await
        .map_err(|_| BackendError::Timeout(self.config.renew_deadline()))??;
        match outcome {
            ClaimOutcome::Won(token) => {
                // Read-your-writes: the cache knows our claim before the watch brings it.
                let known = GlobalName {
                    name: name.to_owned(),
                    node: self.config.node.clone(),
                    kind: kind.to_owned(),
                    token,
                    lease,
                };
                let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
                if cache.names.get(name).is_none_or(|k| k.token < token) {
                    cache.names.insert(name.to_owned(), Arc::new(known));
                }
                drop(cache);
                self.changes.send_modify(|n| *n += 1);
                Ok(Claim {
                    name: name.to_owned(),
                    node: self.config.node.clone(),
                    token,
                    lease,
                })
            }
            ClaimOutcome::Taken(record) => {
                let held = decode(&record);
                if held.kind != kind {
                    Err(ClusterError::TypeMismatch {
                        name: name.to_owned(),
                        held_as: held.kind,
                        wanted: kind.to_owned(),
                        holder: held.node,
                    })
                } else {
                    Err(ClusterError::NameTaken {
                        name: name.to_owned(),
                        holder: held.node,
                        token: record.token(),
                    })
                }
            }
        }
    }

    /// Reads everything under the prefix into the cache; returns the read's revision.
    async fn reload(&self) -> Result<i64, BackendError> {
        let (records, revision) = self.backend.list(&self.prefix).await?;
        let mut fresh = Cache {
            revision,
            ..Cache::default()
        };
        for record in &records {
            self.apply_put(&mut fresh, record);
        }
        let (up, down) = {
            let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
            let up: Vec<String> = fresh.nodes.difference(&cache.nodes).cloned().collect();
            let down: Vec<String> = cache.nodes.difference(&fresh.nodes).cloned().collect();
            *cache = fresh;
            (up, down)
        };
        for node in up {
            self.emit(ClusterEvent::NodeUp { node });
        }
        for node in down {
            self.emit(ClusterEvent::NodeDown { node });
        }
        self.changes.send_modify(|n| *n += 1);
        Ok(revision)
    }

    /// Applies a put to `cache`; returns a node that came up.
    fn apply_put(&self, cache: &mut Cache, record: &Record) -> Option<String> {
        let rest = record.key.strip_prefix(&self.prefix)?;
        if let Some(node) = rest.strip_prefix("nodes/") {
            return cache.nodes.insert(node.to_owned()).then(|| node.to_owned());
        }
        let name = rest.strip_prefix("names/")?;
        if cache
            .names
            .get(name)
            .is_some_and(|known| known.token > record.token())
        {
            return None; // older than what this node already knows (its own claim)
        }
        let held = decode(record);
        cache.names.insert(
            name.to_owned(),
            Arc::new(GlobalName {
                name: name.to_owned(),
                node: held.node,
                kind: held.kind,
                token: record.token(),
                lease: LeaseId(record.lease),
            }),
        );
        None
    }

    fn apply(&self, event: &WatchEvent) {
        let mut up = None;
        let mut down = None;
        {
            let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
            cache.revision = cache.revision.max(event.revision());
            match event {
                WatchEvent::Put(record) => up = self.apply_put(&mut cache, record),
                WatchEvent::Delete { key, .. } => {
                    if let Some(rest) = key.strip_prefix(&self.prefix) {
                        if let Some(node) = rest.strip_prefix("nodes/") {
                            if cache.nodes.remove(node) {
                                down = Some(node.to_owned());
                            }
                        } else if let Some(name) = rest.strip_prefix("names/")
                            && cache
                                .names
                                .get(name)
                                .is_some_and(|known| known.token.0 < event.revision())
                        {
                            // (A delete older than a claim this node already applied is not
                            // about that claim's key.)
                            cache.names.remove(name);
                        }
                    }
                }
            }
        }
        if let Some(node) = up {
            self.emit(ClusterEvent::NodeUp { node });
        }
        if let Some(node) = down {
            self.emit(ClusterEvent::NodeDown { node });
        }
        self.changes.send_modify(|n| *n += 1);
    }
}

/// A name's value; a value this crate did not write reads as held by an unknown node.
fn decode(record: &Record) -> NameValue {
    serde_json::from_slice(&record.value).unwrap_or_else(|_| NameValue {
        node: "<unknown>".into(),
        kind: "<not written by perennial-cluster>".into(),
    })
}

/// Keeps the cache: one watch of the prefix from the initial read's revision; when it breaks,
/// read afresh and watch again from that read (no gap either way).
async fn watch_loop<B: NameBackend>(inner: Arc<Inner<B>>, mut revision: i64) {
    let mut stop = inner.stop.subscribe();
    let retry = inner.config.renew_every();
    loop {
        let watched = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            w = inner.backend.watch(&inner.prefix, revision + 1) => w,
        };
        match watched {
            Ok(mut rx) => loop {
                let next = tokio::select! {
                    _ = stop.wait_for(|s| *s) => return,
                    next = rx.recv() => next,
                };
                match next {
                    Some(Ok(event)) => inner.apply(&event),
                    Some(Err(e)) => {
                        tracing::warn!(node = %inner.config.node, error = %e, "the cluster watch broke; reading afresh");
                        break;
                    }
                    None => break,
                }
            },
            Err(e) => {
                tracing::warn!(node = %inner.config.node, error = %e, "cannot watch the cluster");
            }
        }
        loop {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                _ = tokio::time::sleep(retry) => {}
            }
            match inner.reload().await {
                Ok(r) => {
                    revision = r;
                    break;
                }
                Err(e) => {
                    tracing::warn!(node = %inner.config.node, error = %e, "cannot read the cluster")
                }
            }
        }
    }
}

/// Renews the lease every TTL/3, each renewal with its own deadline (and a re-dial after a
/// failure); publishes `Lost` when the fence deadline passes without a renewal, then abandons
/// that lease and joins again with a new one.
async fn keeper<B: NameBackend>(
    inner: Arc<Inner<B>>,
    state: watch::Sender<LeaseState>,
    mut lease: LeaseId,
    mut ttl: Duration,
    mut last_sent: Instant,
    node_key: String,
    node_value: Vec<u8>,
) {
    let mut stop = inner.stop.subscribe();
    let margin = inner.config.fence_margin();
    let every = inner.config.renew_every();
    let deadline = inner.config.renew_deadline();
    let mut safe_until = last_sent + ttl - margin;
    let mut next = last_sent + every;
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tokio::time::sleep_until(safe_until) => {}
            _ = tokio::time::sleep_until(next) => {}
        }
        let now = Instant::now();
        if now < safe_until {
            // A renewal is due.
            next = now + every;
            if inner.suspended.load(Ordering::SeqCst) {
                continue;
            }
            let sent = now;
            let limit = (sent + deadline).min(safe_until);
            match tokio::time::timeout_at(limit, inner.backend.keep_alive(lease)).await {
                Ok(Ok(())) => {
                    last_sent = sent;
                    safe_until = last_sent + ttl - margin;
                    state.send_replace(LeaseState::Held { lease, safe_until });
                    continue;
                }
                Ok(Err(BackendError::LeaseLost(_))) => {
                    tracing::warn!(node = %inner.config.node, %lease, "the store says our lease is gone");
                }
                Ok(Err(e)) => {
                    tracing::warn!(node = %inner.config.node, %lease, error = %e, "a lease renewal failed; re-dialling");
                    redial(&inner, safe_until).await;
                    continue;
                }
                Err(_) => {
                    tracing::warn!(node = %inner.config.node, %lease, ?deadline, "a lease renewal timed out; re-dialling");
                    redial(&inner, safe_until).await;
                    continue;
                }
            }
        }
        // The fence deadline passed (or the store said the lease is gone): stop acting on it.
        state.send_replace(LeaseState::Lost);
        inner.emit(ClusterEvent::LeaseLost { lease });
        // Abandon the old lease (best effort: its names must not come back to a node that
        // fenced), then join again under a new one.
        loop {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                _ = tokio::time::sleep(every) => {}
            }
            if inner.suspended.load(Ordering::SeqCst) {
                continue;
            }
            let _ = tokio::time::timeout(deadline, inner.backend.revoke(lease)).await;
            let sent = Instant::now();
            match tokio::time::timeout(
                deadline,
                inner
                    .backend
                    .join(&node_key, node_value.clone(), inner.config.ttl),
            )
            .await
            {
                Ok(Ok(granted)) => {
                    lease = granted.id;
                    ttl = granted.ttl;
                    last_sent = sent;
                    safe_until = last_sent + ttl - margin;
                    next = last_sent + every;
                    state.send_replace(LeaseState::Held { lease, safe_until });
                    inner.emit(ClusterEvent::LeaseHeld { lease });
                    break;
                }
                Ok(Err(e)) => {
                    tracing::warn!(node = %inner.config.node, error = %e, "cannot rejoin the cluster");
                    redial(&inner, Instant::now() + deadline).await;
                }
                Err(_) => {
                    tracing::warn!(node = %inner.config.node, "rejoining timed out");
                    redial(&inner, Instant::now() + deadline).await;
                }
            }
        }
    }
}

async fn redial<B: NameBackend>(inner: &Inner<B>, until: Instant) {
    if let Ok(Err(e)) = tokio::time::timeout_at(until, inner.backend.redial()).await {
        tracing::warn!(node = %inner.config.node, error = %e, "re-dialling failed");
    }
}
