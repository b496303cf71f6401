//! A node's membership: its lease and node key, the renewal schedule and fence deadline, and
//! the local cache of members and global names fed by one prefix watch.

mod config;
mod error;
mod events;
mod inner;
mod lease;
mod names;

pub use config::{ClusterConfig, DEFAULT_MAX_MESSAGE, DEFAULT_TTL};
pub use error::ClusterError;
pub use events::{ClusterEvent, LeaseState};
pub(crate) use inner::Inner;
use inner::{Cache, watch_loop};
use lease::keeper;
pub(crate) use names::NameValue;
pub use names::{Claim, GlobalName};

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::backend::{BackendError, NameBackend};
use crate::remote::RemoteServer;

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
