//! [`MemoryTransport`]: an in-process [`Transport`] with NATS's semantics, for tests.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use tokio::sync::{mpsc, oneshot};

use crate::transport::{
    BoxFuture, Headers, Incoming, Reply, Subscription, Transport, TransportError, valid_subject,
};

/// The largest message a [`MemoryTransport`] carries: NATS's default `max_payload` (1 MiB).
const MAX_PAYLOAD: usize = 1024 * 1024;

struct Sub {
    queue: Option<String>,
    tx: mpsc::UnboundedSender<Incoming>,
}

#[derive(Default)]
struct Hub {
    subs: HashMap<String, Vec<Sub>>,
    inboxes: HashMap<String, oneshot::Sender<Reply>>,
    /// Round-robin position per (subject, queue group).
    turn: HashMap<(String, String), usize>,
    /// While paused: the messages sent, in order, each with whom to tell if nobody serves it.
    held: Option<Vec<(Incoming, Option<oneshot::Sender<()>>)>>,
}

/// An in-process transport with the semantics of core NATS: a request nobody serves fails at
/// once with [`TransportError::NoResponders`], a queue group delivers each message to one
/// member, a publish is fire-and-forget. Works under tokio's paused clock, so tests of
/// deadlines are deterministic.
///
/// [`pause`](Self::pause) holds every message in flight, as a stopped NATS server would, until
/// [`resume`](Self::resume). Clones share one bus.
///
/// ```
/// use std::time::Duration;
/// use perennial_cluster::{MemoryTransport, Transport, TransportError};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), TransportError> {
/// let bus = MemoryTransport::new();
/// let _served = bus.serve("app.slow", None).await?; // never replies
/// let late = bus.request("app.slow", vec![], "x".into(), Duration::from_millis(50)).await;
/// assert_eq!(late, Err(TransportError::Timeout(Duration::from_millis(50))));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MemoryTransport {
    hub: Arc<Mutex<Hub>>,
    ids: Arc<AtomicU64>,
}

impl Default for MemoryTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemoryTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTransport").finish_non_exhaustive()
    }
}

impl MemoryTransport {
    /// An empty bus.
    pub fn new() -> Self {
        MemoryTransport {
            hub: Arc::new(Mutex::new(Hub::default())),
            ids: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Holds every message sent from now on (requests, replies, publishes) until
    /// [`resume`](Self::resume), as a NATS server stopped with `SIGSTOP` would.
    pub fn pause(&self) {
        let mut hub = self.hub.lock().unwrap_or_else(PoisonError::into_inner);
        hub.held.get_or_insert_with(Vec::new);
    }

    /// Delivers the held messages, in the order they were sent, and carries new ones again.
    pub fn resume(&self) {
        let held = {
            let mut hub = self.hub.lock().unwrap_or_else(PoisonError::into_inner);
            hub.held.take().unwrap_or_default()
        };
        for (message, nobody) in held {
            if !self.deliver(message)
                && let Some(nobody) = nobody
            {
                let _ = nobody.send(());
            }
        }
    }

    /// Sends `message` now, or holds it while paused; `nobody` hears when nobody serves it.
    fn send(&self, message: Incoming, nobody: Option<oneshot::Sender<()>>) {
        {
            let mut hub = self.hub.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(held) = &mut hub.held {
                held.push((message, nobody));
                return;
            }
        }
        if !self.deliver(message)
            && let Some(nobody) = nobody
        {
            let _ = nobody.send(());
        }
    }

    /// How many subscriptions serve `subject` now.
    pub fn servers(&self, subject: &str) -> usize {
        let hub = self.hub.lock().unwrap_or_else(PoisonError::into_inner);
        hub.subs
            .get(subject)
            .map_or(0, |subs| subs.iter().filter(|s| !s.tx.is_closed()).count())
    }

    /// Delivers to the subject's subscribers; `false` when there are none.
    fn deliver(&self, message: Incoming) -> bool {
        let mut guard = self.hub.lock().unwrap_or_else(PoisonError::into_inner);
        let hub = &mut *guard;
        if let Some(inbox) = hub.inboxes.remove(&message.subject) {
            let _ = inbox.send(Reply {
                headers: message.headers,
                payload: message.payload,
            });
            return true;
        }
        let Some(subs) = hub.subs.get_mut(&message.subject) else {
            return false;
        };
        subs.retain(|s| !s.tx.is_closed());
        let mut delivered = false;
        let mut groups: Vec<&str> = Vec::new();
        for sub in subs.iter() {
            match &sub.queue {
                None => delivered |= sub.tx.send(message.clone()).is_ok(),
                Some(q) if !groups.contains(&q.as_str()) => groups.push(q),
                Some(_) => {}
            }
        }
        for group in groups {
            let members: Vec<&Sub> = subs
                .iter()
                .filter(|s| s.queue.as_deref() == Some(group))
                .collect();
            let turn = hub
                .turn
                .entry((message.subject.clone(), group.to_owned()))
                .or_default();
            let member = members[*turn % members.len()];
            *turn += 1;
            delivered |= member.tx.send(message.clone()).is_ok();
        }
        delivered
    }
}

struct Receiver(mpsc::UnboundedReceiver<Incoming>);

impl Stream for Receiver {
    type Item = Incoming;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Incoming>> {
        self.0.poll_recv(cx)
    }
}

impl Transport for MemoryTransport {
    fn request<'a>(
        &'a self,
        subject: &'a str,
        headers: Headers,
        payload: Bytes,
        deadline: Duration,
    ) -> BoxFuture<'a, Result<Reply, TransportError>> {
        Box::pin(async move {
            if !valid_subject(subject) {
                return Err(TransportError::InvalidSubject(subject.to_owned()));
            }
            check_size(&headers, &payload)?;
            let inbox = format!("_INBOX.{}", self.ids.fetch_add(1, Ordering::Relaxed));
            let (tx, rx) = oneshot::channel();
            self.hub
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .inboxes
                .insert(inbox.clone(), tx);
            let message = Incoming {
                subject: subject.to_owned(),
                reply_to: Some(inbox.clone()),
                headers,
                payload,
            };
            // Once sent, a request is on its way even if the requester stops waiting: while
            // the bus is paused it is delivered on resume, as a stopped server would.
            let (nobody_tx, nobody) = oneshot::channel();
            self.send(message, Some(nobody_tx));
            let outcome = tokio::time::timeout(deadline, async {
                tokio::select! {
                    biased;
                    Ok(()) = nobody => Err(TransportError::NoResponders),
                    reply = rx => reply
                        .map_err(|_| TransportError::Connection("the bus was dropped".into())),
                }
            })
            .await;
            self.hub
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .inboxes
                .remove(&inbox);
            outcome.unwrap_or(Err(TransportError::Timeout(deadline)))
        })
    }

    fn publish<'a>(
        &'a self,
        subject: &'a str,
        headers: Headers,
        payload: Bytes,
    ) -> BoxFuture<'a, Result<(), TransportError>> {
        Box::pin(async move {
            if !valid_subject(subject) {
                return Err(TransportError::InvalidSubject(subject.to_owned()));
            }
            check_size(&headers, &payload)?;
            let message = Incoming {
                subject: subject.to_owned(),
                reply_to: None,
                headers,
                payload,
            };
            self.send(message, None);
            Ok(())
        })
    }

    fn serve<'a>(
        &'a self,
        subject: &'a str,
        queue: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Subscription, TransportError>> {
        Box::pin(async move {
            if !valid_subject(subject) {
                return Err(TransportError::InvalidSubject(subject.to_owned()));
            }
            let (tx, rx) = mpsc::unbounded_channel();
            self.hub
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .subs
                .entry(subject.to_owned())
                .or_default()
                .push(Sub {
                    queue: queue.map(str::to_owned),
                    tx,
                });
            Ok(Subscription::new(Receiver(rx)))
        })
    }

    fn max_payload(&self) -> usize {
        MAX_PAYLOAD
    }
}

fn check_size(headers: &Headers, payload: &Bytes) -> Result<(), TransportError> {
    let size = payload.len()
        + headers
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum::<usize>();
    if size > MAX_PAYLOAD {
        return Err(TransportError::TooLarge {
            size,
            max: MAX_PAYLOAD,
        });
    }
    Ok(())
}
