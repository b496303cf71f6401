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
