//! The state a node's handles share: the cache of members and names, fed by one prefix
//! watch.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, PoisonError, RwLock};

use tokio::sync::{broadcast, watch};

use super::config::ClusterConfig;
use super::error::ClusterError;
use super::events::{ClusterEvent, LeaseState};
use super::names::{Claim, GlobalName, NameValue};
use crate::backend::WatchEvent;
use crate::backend::{BackendError, ClaimOutcome, FencingToken, LeaseId, NameBackend, Record};

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
    pub(super) async fn reload(&self) -> Result<i64, BackendError> {
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
pub(super) async fn watch_loop<B: NameBackend>(inner: Arc<Inner<B>>, mut revision: i64) {
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
