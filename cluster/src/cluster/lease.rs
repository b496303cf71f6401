//! The lease's keeper: renewals on schedule, the fence deadline, re-joining with a new lease.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::events::{ClusterEvent, LeaseState};
use super::inner::Inner;
use crate::backend::{BackendError, LeaseId, NameBackend};

/// Renews the lease every TTL/3, each renewal with its own deadline (and a re-dial after a
/// failure); publishes `Lost` when the fence deadline passes without a renewal, then abandons
/// that lease and joins again with a new one.
pub(super) async fn keeper<B: NameBackend>(
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
