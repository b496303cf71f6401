//! Streams attached to a server ([`Context::attach`](crate::Context::attach)): each item
//! arrives as an info, and the end of the stream as one more.
//!
//! This is how a server owns a channel receiver, a socket's frames or an interval: the stream
//! lives in the server's context and is polled by the server's own task while it waits for its
//! next message. No task reads it on the server's behalf, so nothing outlives the server (the
//! stream is dropped with it), and a busy server reads nothing: the stream waits, with its own
//! backpressure, instead of piling items up in the mailbox.
//!
//! # Order
//!
//! A stream's items keep their order, and its end comes after its last item. Between the
//! mailbox and the attached streams, when both have something, the server takes from each in
//! turn, so neither starves the other.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::GenServer;
use crate::mailbox::{Envelope, Rx};

/// A stream attached with [`Context::attach`](crate::Context::attach), to
/// [`detach`](crate::Context::detach) it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamRef(u64);

/// A stream whose items are made infos, erased.
trait Source<I>: Send {
    fn poll_info(&mut self, cx: &mut Context<'_>) -> Poll<Option<I>>;
}

struct Mapped<St, F> {
    stream: Pin<Box<St>>,
    wrap: F,
}

impl<I, St, F> Source<I> for Mapped<St, F>
where
    St: Stream + Send,
    F: FnMut(St::Item) -> I + Send,
{
    fn poll_info(&mut self, cx: &mut Context<'_>) -> Poll<Option<I>> {
        self.stream
            .as_mut()
            .poll_next(cx)
            .map(|item| item.map(&mut self.wrap))
    }
}

struct Attached<I> {
    id: u64,
    source: Box<dyn Source<I>>,
    /// Sent once the stream ends.
    end: Option<I>,
}

/// A server's attached streams.
pub(crate) struct Streams<I> {
    attached: Vec<Attached<I>>,
    last_id: u64,
    /// Where the next look starts, so that one busy stream does not starve the others.
    next: usize,
    /// Whether the streams go before the mailbox on the next look (they take turns).
    first: bool,
}

impl<I: Send + 'static> Streams<I> {
    pub(crate) fn new() -> Self {
        Streams {
            attached: Vec::new(),
            last_id: 0,
            next: 0,
            first: false,
        }
    }

    pub(crate) fn attach<St, F>(&mut self, stream: St, wrap: F, end: I) -> StreamRef
    where
        St: Stream + Send + 'static,
        F: FnMut(St::Item) -> I + Send + 'static,
    {
        self.last_id += 1;
        self.attached.push(Attached {
            id: self.last_id,
            source: Box::new(Mapped {
                stream: Box::pin(stream),
                wrap,
            }),
            end: Some(end),
        });
        StreamRef(self.last_id)
    }

    /// Drops an attached stream: no more items, no end. `true` if it was still attached.
    pub(crate) fn detach(&mut self, stream: StreamRef) -> bool {
        let before = self.attached.len();
        self.attached.retain(|a| a.id != stream.0);
        before != self.attached.len()
    }

    pub(crate) fn len(&self) -> usize {
        self.attached.len()
    }

    /// The next item (or end) of any attached stream.
    fn poll_info(&mut self, cx: &mut Context<'_>) -> Poll<I> {
        let n = self.attached.len();
        for k in 0..n {
            let at = (self.next + k) % n;
            match self.attached[at].source.poll_info(cx) {
                Poll::Pending => {}
                Poll::Ready(Some(info)) => {
                    self.next = (at + 1) % n;
                    return Poll::Ready(info);
                }
                Poll::Ready(None) => {
                    let mut ended = self.attached.remove(at);
                    self.next = if self.attached.is_empty() {
                        0
                    } else {
                        at % self.attached.len()
                    };
                    if let Some(end) = ended.end.take() {
                        return Poll::Ready(end);
                    }
                }
            }
        }
        Poll::Pending
    }
}

/// What a server waiting for its next message got.
pub(crate) enum Got<S: GenServer> {
    /// A message from the mailbox (`None`: it is closed).
    Mail(Option<Envelope<S>>),
    /// An attached stream's item or end, as an info.
    Item(S::Info),
    /// The timer it waited on fired.
    Timer,
}

/// Waits for the next mail, stream item, or `timer`, taking from the mailbox and the streams in
/// turn.
pub(crate) fn poll_next<S: GenServer>(
    cx: &mut Context<'_>,
    rx: &mut Rx<S>,
    streams: Option<&mut Streams<S::Info>>,
    timer: Option<Pin<&mut tokio::time::Sleep>>,
) -> Poll<Got<S>> {
    match streams {
        Some(streams) => {
            let first = streams.first;
            if first && let Poll::Ready(info) = streams.poll_info(cx) {
                streams.first = false;
                return Poll::Ready(Got::Item(info));
            }
            if let Poll::Ready(mail) = rx.poll_recv(cx) {
                streams.first = true;
                return Poll::Ready(Got::Mail(mail));
            }
            if !first && let Poll::Ready(info) = streams.poll_info(cx) {
                return Poll::Ready(Got::Item(info));
            }
        }
        None => {
            if let Poll::Ready(mail) = rx.poll_recv(cx) {
                return Poll::Ready(Got::Mail(mail));
            }
        }
    }
    match timer.map(|timer| timer.poll(cx)) {
        Some(Poll::Ready(())) => Poll::Ready(Got::Timer),
        _ => Poll::Pending,
    }
}

/// The next message of a server with streams and no timers.
pub(crate) async fn next<S: GenServer>(
    rx: &mut Rx<S>,
    streams: &mut Streams<S::Info>,
) -> Option<Envelope<S>> {
    let got = std::future::poll_fn(|cx| poll_next(cx, rx, Some(&mut *streams), None)).await;
    match got {
        Got::Mail(mail) => mail,
        Got::Item(info) => Some(Envelope::Info(info)),
        // Not reached: no timer was given.
        Got::Timer => None,
    }
}

/// A tokio channel receiver as a [`Stream`], to [`attach`](crate::Context::attach) it.
///
/// ```
/// # use perennial_runtime::streams::receiver;
/// let (tx, rx) = tokio::sync::mpsc::channel::<u32>(8);
/// let stream = receiver(rx); // ends when every sender is gone
/// # drop((tx, stream));
/// ```
pub fn receiver<T: Send + 'static>(
    rx: tokio::sync::mpsc::Receiver<T>,
) -> impl Stream<Item = T> + Send {
    Receiver(rx)
}

/// An unbounded tokio channel receiver as a [`Stream`], to
/// [`attach`](crate::Context::attach) it.
///
/// ```
/// # use perennial_runtime::streams::unbounded_receiver;
/// let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
/// let stream = unbounded_receiver(rx); // ends when every sender is gone
/// # drop((tx, stream));
/// ```
pub fn unbounded_receiver<T: Send + 'static>(
    rx: tokio::sync::mpsc::UnboundedReceiver<T>,
) -> impl Stream<Item = T> + Send {
    UnboundedReceiver(rx)
}

struct Receiver<T>(tokio::sync::mpsc::Receiver<T>);

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.0.poll_recv(cx)
    }
}

struct UnboundedReceiver<T>(tokio::sync::mpsc::UnboundedReceiver<T>);

impl<T> Stream for UnboundedReceiver<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.0.poll_recv(cx)
    }
}
