//! The in-memory [`NameBackend`]: etcd's semantics (revisions, leases, create-if-absent,
//! watches from a revision) in one process, for tests of everything above the store.
//!
//! Time is tokio's clock, so tests with a paused clock drive lease expiry deterministically.
//! Faults are switches: [`MemoryBackend::set_reachable`] makes every operation fail as an
//! unreachable etcd would, [`MemoryBackend::expire`] ends a lease at once. The full history is
//! kept ([`MemoryBackend::history`]) so tests can check invariants over every revision.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::backend::{
    BackendError, ClaimOutcome, FencingToken, Lease, LeaseId, NameBackend, Record, WatchEvent,
    WatchReceiver,
};

/// An in-memory store with etcd's semantics. Cheap to clone: clones share the store.
///
/// ```
/// use std::time::Duration;
/// use perennial_cluster::{MemoryBackend, NameBackend};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = MemoryBackend::new();
/// let lease = store.join("nodes/a", Vec::new(), Duration::from_secs(5)).await?;
/// store.expire(lease.id);
/// assert!(store.list("nodes/").await?.0.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct MemoryBackend {
    inner: Arc<Mutex<Store>>,
}

#[derive(Default)]
struct Store {
    revision: i64,
    next_lease: i64,
    reachable_off: bool,
    keys: BTreeMap<String, Record>,
    leases: HashMap<LeaseId, (Duration, Instant)>,
    history: Vec<WatchEvent>,
    watchers: Vec<(String, mpsc::UnboundedSender<WatchEvent>)>,
}

impl MemoryBackend {
    /// An empty store at revision 0.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        let mut store = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        store.expire_due(Instant::now());
        store
    }

    /// Makes every operation fail (`false`) as an unreachable store would, or answer again.
    /// Leases keep expiring meanwhile, as they would on a store that is up but cut off.
    pub fn set_reachable(&self, reachable: bool) {
        self.lock().reachable_off = !reachable;
    }

    /// Ends a lease now, deleting its keys (as when its TTL passes unrenewed).
    pub fn expire(&self, lease: LeaseId) {
        self.lock().revoke(lease);
    }

    /// Expires the leases whose TTL has passed (every operation does this first).
    pub fn tick(&self) {
        drop(self.lock());
    }

    /// Every change so far, in revision order.
    pub fn history(&self) -> Vec<WatchEvent> {
        self.lock().history.clone()
    }

    /// The store's current revision.
    pub fn revision(&self) -> i64 {
        self.lock().revision
    }

    fn reachable(&self) -> Result<MutexGuard<'_, Store>, BackendError> {
        let store = self.lock();
        if store.reachable_off {
            return Err(BackendError::Unreachable {
                endpoints: self.endpoints(),
                cause: "the in-memory store is switched off".into(),
            });
        }
        Ok(store)
    }
}

impl Store {
    fn expire_due(&mut self, now: Instant) {
        let due: Vec<LeaseId> = self
            .leases
            .iter()
            .filter(|(_, (_, until))| *until <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            self.revoke(id);
        }
    }

    fn revoke(&mut self, lease: LeaseId) {
        if self.leases.remove(&lease).is_none() {
            return;
        }
        let keys: Vec<String> = self
            .keys
            .values()
            .filter(|r| r.lease == lease.0)
            .map(|r| r.key.clone())
            .collect();
        if keys.is_empty() {
            return;
        }
        // One revision for the whole revocation, as etcd does.
        self.revision += 1;
        for key in keys {
            self.keys.remove(&key);
            self.publish(WatchEvent::Delete {
                key,
                revision: self.revision,
            });
        }
    }

    fn publish(&mut self, event: WatchEvent) {
        let key = match &event {
            WatchEvent::Put(r) => r.key.clone(),
            WatchEvent::Delete { key, .. } => key.clone(),
        };
        self.watchers.retain(|(prefix, tx)| {
            !key.starts_with(prefix.as_str()) || tx.send(event.clone()).is_ok()
        });
        self.history.push(event);
    }
}

impl NameBackend for MemoryBackend {
    fn endpoints(&self) -> Vec<String> {
        vec!["memory".into()]
    }

    async fn grant(&self, ttl: Duration) -> Result<Lease, BackendError> {
        let mut store = self.reachable()?;
        store.next_lease += 1;
        let id = LeaseId(store.next_lease);
        store.leases.insert(id, (ttl, Instant::now() + ttl));
        Ok(Lease { id, ttl })
    }

    async fn keep_alive(&self, lease: LeaseId) -> Result<(), BackendError> {
        let mut store = self.reachable()?;
        match store.leases.get_mut(&lease) {
            Some((ttl, until)) => {
                *until = Instant::now() + *ttl;
                Ok(())
            }
            None => Err(BackendError::LeaseLost(lease)),
        }
    }

    async fn revoke(&self, lease: LeaseId) -> Result<(), BackendError> {
        self.reachable()?.revoke(lease);
        Ok(())
    }

    async fn claim(
        &self,
        key: &str,
        value: Vec<u8>,
        lease: LeaseId,
    ) -> Result<ClaimOutcome, BackendError> {
        let mut store = self.reachable()?;
        if !store.leases.contains_key(&lease) {
            return Err(BackendError::LeaseLost(lease));
        }
        if let Some(record) = store.keys.get(key) {
            return Ok(ClaimOutcome::Taken(record.clone()));
        }
        store.revision += 1;
        let record = Record {
            key: key.into(),
            value,
            create_revision: store.revision,
            mod_revision: store.revision,
            lease: lease.0,
        };
        store.keys.insert(key.into(), record.clone());
        store.publish(WatchEvent::Put(record));
        Ok(ClaimOutcome::Won(FencingToken(store.revision)))
    }

    async fn release(&self, key: &str, token: FencingToken) -> Result<bool, BackendError> {
        let mut store = self.reachable()?;
        if store.keys.get(key).map(|r| r.create_revision) != Some(token.0) {
            return Ok(false);
        }
        store.revision += 1;
        store.keys.remove(key);
        let revision = store.revision;
        store.publish(WatchEvent::Delete {
            key: key.into(),
            revision,
        });
        Ok(true)
    }

    async fn list(&self, prefix: &str) -> Result<(Vec<Record>, i64), BackendError> {
        let store = self.reachable()?;
        let records = store
            .keys
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(_, r)| r.clone())
            .collect();
        Ok((records, store.revision))
    }

    async fn watch(&self, prefix: &str, from_revision: i64) -> Result<WatchReceiver, BackendError> {
        let mut store = self.reachable()?;
        let (raw_tx, mut raw_rx) = mpsc::unbounded_channel();
        for event in store
            .history
            .iter()
            .filter(|e| e.revision() >= from_revision)
        {
            let key = match event {
                WatchEvent::Put(r) => &r.key,
                WatchEvent::Delete { key, .. } => key,
            };
            if key.starts_with(prefix) {
                let _ = raw_tx.send(event.clone());
            }
        }
        store.watchers.push((prefix.into(), raw_tx));
        drop(store);
        // Forwarded through a bounded channel, as the etcd backend's is.
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(async move {
            while let Some(event) = raw_rx.recv().await {
                if tx.send(Ok(event)).await.is_err() {
                    return;
                }
            }
        });
        Ok(rx)
    }
}
