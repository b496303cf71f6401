//! The consistent store behind a cluster: the [`NameBackend`] trait and the types it speaks.
//!
//! A backend holds leases (one per node) and keys under them, and keeps a revisioned history:
//! every change gets the store's next revision, a key remembers the revision that created it
//! (its [`FencingToken`] once it names a holder), and a watch replays changes from a revision
//! on. etcd is the production backend ([`EtcdBackend`](crate::EtcdBackend)); the in-memory
//! [`MemoryBackend`](crate::MemoryBackend) is the fake the property tests use. Anything with
//! leases, create-if-absent transactions and revisioned watches (a Kubernetes Lease, say) fits
//! behind the same trait.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

/// A lease: the store deletes every key under it when it is not renewed within its TTL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LeaseId(pub i64);

impl fmt::Display for LeaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}", self.0)
    }
}

/// The revision that created a global name's key: strictly greater for every later holder of
/// the name, so a side-effect target that remembers the highest token it has seen can refuse
/// a stale holder's writes (fencing).
///
/// ```
/// use perennial_cluster::FencingToken;
///
/// let first = FencingToken(7);
/// let next = FencingToken(12);
/// assert!(next > first);
/// assert_eq!(next.to_string(), "12");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FencingToken(pub i64);

impl fmt::Display for FencingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A granted lease and the TTL the store granted (it may be longer than asked: etcd rounds up
/// to its minimum).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The lease.
    pub id: LeaseId,
    /// Its TTL, as granted.
    pub ttl: Duration,
}

/// A key, its value, and the revisions that created and last changed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The full key.
    pub key: String,
    /// The value.
    pub value: Vec<u8>,
    /// The revision that created the key: the fencing token of a name.
    pub create_revision: i64,
    /// The revision that last changed it.
    pub mod_revision: i64,
    /// The lease it lives under (0: none).
    pub lease: i64,
}

impl Record {
    /// The key's creation revision as a fencing token.
    pub fn token(&self) -> FencingToken {
        FencingToken(self.create_revision)
    }
}

/// What a create-if-absent claim found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The key was absent and is now ours, created at this revision.
    Won(FencingToken),
    /// The key exists: here is its holder's record.
    Taken(Record),
}

/// A change seen by a watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchEvent {
    /// A key was created or changed.
    Put(Record),
    /// A key was deleted (released, or its lease expired) at `revision`.
    Delete {
        /// The key.
        key: String,
        /// The revision of the deletion.
        revision: i64,
    },
}

impl WatchEvent {
    /// The revision of the change.
    pub fn revision(&self) -> i64 {
        match self {
            WatchEvent::Put(r) => r.mod_revision,
            WatchEvent::Delete { revision, .. } => *revision,
        }
    }
}

/// The receiving end of a watch: changes in revision order; an `Err` (then the end) when the
/// watch broke, after which the watcher reads afresh and watches again.
pub type WatchReceiver = mpsc::Receiver<Result<WatchEvent, BackendError>>;

/// Why a backend operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackendError {
    /// No store member answered: the endpoints tried, and the last error.
    Unreachable {
        /// The endpoints.
        endpoints: Vec<String>,
        /// What the client said.
        cause: String,
    },
    /// The operation took longer than its deadline.
    Timeout(Duration),
    /// The lease is gone (expired or revoked): its keys are deleted.
    LeaseLost(LeaseId),
    /// The watch was cancelled or compacted past its start revision.
    WatchBroken(String),
    /// Any other error the store returned.
    Store(String),
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendError::Unreachable { endpoints, cause } => write!(
                f,
                "no etcd member answered at {}: {cause}; is etcd running there and reachable?",
                endpoints.join(", ")
            ),
            BackendError::Timeout(d) => write!(f, "the store did not answer within {d:?}"),
            BackendError::LeaseLost(id) => {
                write!(
                    f,
                    "lease {id} is gone (expired or revoked); its keys are deleted"
                )
            }
            BackendError::WatchBroken(why) => write!(f, "the watch broke: {why}"),
            BackendError::Store(why) => write!(f, "the store refused: {why}"),
        }
    }
}

impl std::error::Error for BackendError {}

/// A consistent store with leases, create-if-absent transactions and revisioned watches.
///
/// Every method is one round trip (or the start of a watch); retries, deadlines and the
/// lease's renewal schedule are the caller's ([`Cluster`](crate::Cluster)'s). A `NameBackend`
/// is cheap to clone (one connection shared by the clones).
///
/// ```
/// use std::time::Duration;
/// use perennial_cluster::{ClaimOutcome, MemoryBackend, NameBackend};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryBackend::new();
/// let a = store.join("nodes/a", b"a".to_vec(), Duration::from_secs(10)).await?;
/// let b = store.join("nodes/b", b"b".to_vec(), Duration::from_secs(10)).await?;
/// let ClaimOutcome::Won(token) = store.claim("names/ledger", b"a".to_vec(), a.id).await? else {
///     unreachable!("the name was free");
/// };
/// assert!(matches!(store.claim("names/ledger", b"b".to_vec(), b.id).await?, ClaimOutcome::Taken(_)));
/// assert!(store.release("names/ledger", token).await?);
/// # Ok(())
/// # }
/// ```
pub trait NameBackend: Clone + Send + Sync + 'static {
    /// The endpoints this backend talks to (for error messages and logs).
    fn endpoints(&self) -> Vec<String>;

    /// Grants a lease with (at least) this TTL.
    fn grant(&self, ttl: Duration) -> impl Future<Output = Result<Lease, BackendError>> + Send;

    /// Renews a lease once: `Ok(())` when the store renewed it, `Err(LeaseLost)` when it no
    /// longer exists.
    fn keep_alive(&self, lease: LeaseId) -> impl Future<Output = Result<(), BackendError>> + Send;

    /// Revokes a lease, deleting its keys. Revoking a lease that is gone is fine.
    fn revoke(&self, lease: LeaseId) -> impl Future<Output = Result<(), BackendError>> + Send;

    /// Creates `key` with `value` under `lease` if it does not exist, in one transaction.
    fn claim(
        &self,
        key: &str,
        value: Vec<u8>,
        lease: LeaseId,
    ) -> impl Future<Output = Result<ClaimOutcome, BackendError>> + Send;

    /// Deletes `key` only if it is still the one created at `token`: `Ok(false)` when it is
    /// gone or held by someone else (a later claim).
    fn release(
        &self,
        key: &str,
        token: FencingToken,
    ) -> impl Future<Output = Result<bool, BackendError>> + Send;

    /// Reads every key under `prefix`, and the store's revision at that read.
    fn list(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<(Vec<Record>, i64), BackendError>> + Send;

    /// Watches every key under `prefix` from `from_revision` on (inclusive).
    fn watch(
        &self,
        prefix: &str,
        from_revision: i64,
    ) -> impl Future<Output = Result<WatchReceiver, BackendError>> + Send;

    /// Drops the current connection and connects afresh (to another member, if the current one
    /// is unwell). The default does nothing (an in-process store has no connection).
    fn redial(&self) -> impl Future<Output = Result<(), BackendError>> + Send {
        async { Ok(()) }
    }

    /// Joins: grants a lease and creates the node's key under it. Fails with `Store` when the
    /// node key is taken (another live node uses that node name).
    fn join(
        &self,
        node_key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> impl Future<Output = Result<Lease, BackendError>> + Send {
        let node_key: Arc<str> = node_key.into();
        async move {
            let lease = self.grant(ttl).await?;
            match self.claim(&node_key, value, lease.id).await {
                Ok(ClaimOutcome::Won(_)) => Ok(lease),
                Ok(ClaimOutcome::Taken(_)) => {
                    let _ = self.revoke(lease.id).await;
                    Err(BackendError::Store(format!(
                        "the node key `{node_key}` is held by another live node; node names \
                         must be unique in a cluster"
                    )))
                }
                Err(e) => {
                    let _ = self.revoke(lease.id).await;
                    Err(e)
                }
            }
        }
    }
}
