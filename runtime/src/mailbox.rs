//! The mailbox of a gen_server: one tokio mpsc channel of [`Envelope`]s, bounded or not.
//!
//! Calls, casts, infos and pings share one queue, so a server sees them in the order they were
//! sent. A stop request is not queued behind them: it sets a flag in the process (checked before
//! each message) and sends [`Envelope::Wake`] only to wake an idle server.

use std::num::NonZeroUsize;

use tokio::sync::{mpsc, oneshot};

use crate::{ExitReason, GenServer};

/// Where a reply goes: the value, or the reason the server ended before replying.
pub(crate) type ReplyTx<T> = oneshot::Sender<Result<T, ExitReason>>;

/// One message in a server's mailbox.
pub(crate) enum Envelope<S: GenServer> {
    Call(S::Call, ReplyTx<S::Reply>),
    Cast(S::Cast),
    Info(S::Info),
    Ping(ReplyTx<()>),
    /// Wakes an idle server so that it sees a pending stop request.
    Wake,
}

impl<S: GenServer> Envelope<S> {
    /// Answers a message the server will never handle with the reason it ended.
    pub(crate) fn reject(self, reason: &ExitReason) {
        match self {
            Envelope::Call(_, reply) => {
                let _ = reply.send(Err(reason.clone()));
            }
            Envelope::Ping(reply) => {
                let _ = reply.send(Err(reason.clone()));
            }
            Envelope::Cast(_) | Envelope::Info(_) | Envelope::Wake => {}
        }
    }
}

/// Why a message could not be queued; the envelope comes back.
pub(crate) enum TrySendError<S: GenServer> {
    Closed(Envelope<S>),
    Full(Envelope<S>),
}

/// The sending half.
pub(crate) enum Tx<S: GenServer> {
    Unbounded(mpsc::UnboundedSender<Envelope<S>>),
    Bounded(mpsc::Sender<Envelope<S>>),
}

impl<S: GenServer> Clone for Tx<S> {
    fn clone(&self) -> Self {
        match self {
            Tx::Unbounded(tx) => Tx::Unbounded(tx.clone()),
            Tx::Bounded(tx) => Tx::Bounded(tx.clone()),
        }
    }
}

impl<S: GenServer> Tx<S> {
    /// Queues without waiting.
    #[inline]
    pub(crate) fn try_send(&self, env: Envelope<S>) -> Result<(), TrySendError<S>> {
        match self {
            Tx::Unbounded(tx) => tx.send(env).map_err(|e| TrySendError::Closed(e.0)),
            Tx::Bounded(tx) => tx.try_send(env).map_err(|e| match e {
                mpsc::error::TrySendError::Full(env) => TrySendError::Full(env),
                mpsc::error::TrySendError::Closed(env) => TrySendError::Closed(env),
            }),
        }
    }

    /// Queues, waiting for room in a bounded mailbox; fails only when the server is gone.
    pub(crate) async fn send(&self, env: Envelope<S>) -> Result<(), Envelope<S>> {
        match self {
            Tx::Unbounded(tx) => tx.send(env).map_err(|e| e.0),
            Tx::Bounded(tx) => tx.send(env).await.map_err(|e| e.0),
        }
    }
}

/// The receiving half, owned by the server's task.
pub(crate) enum Rx<S: GenServer> {
    Unbounded(mpsc::UnboundedReceiver<Envelope<S>>),
    Bounded(mpsc::Receiver<Envelope<S>>),
}

impl<S: GenServer> Rx<S> {
    #[inline]
    pub(crate) async fn recv(&mut self) -> Option<Envelope<S>> {
        match self {
            Rx::Unbounded(rx) => rx.recv().await,
            Rx::Bounded(rx) => rx.recv().await,
        }
    }

    /// Closes the mailbox and answers everything still queued with `reason`.
    pub(crate) fn close_and_reject(&mut self, reason: &ExitReason) {
        match self {
            Rx::Unbounded(rx) => {
                rx.close();
                while let Ok(env) = rx.try_recv() {
                    env.reject(reason);
                }
            }
            Rx::Bounded(rx) => {
                rx.close();
                while let Ok(env) = rx.try_recv() {
                    env.reject(reason);
                }
            }
        }
    }
}

/// A new mailbox: unbounded, or bounded to `capacity` queued messages.
pub(crate) fn channel<S: GenServer>(capacity: Option<NonZeroUsize>) -> (Tx<S>, Rx<S>) {
    match capacity {
        None => {
            let (tx, rx) = mpsc::unbounded_channel();
            (Tx::Unbounded(tx), Rx::Unbounded(rx))
        }
        Some(n) => {
            let (tx, rx) = mpsc::channel(n.get());
            (Tx::Bounded(tx), Rx::Bounded(rx))
        }
    }
}
