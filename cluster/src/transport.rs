//! The message transport between nodes: the [`Transport`] trait and the types it speaks.
//!
//! Remote calls ride core NATS request-reply ([`NatsTransport`](crate::NatsTransport)): a
//! subject names a server, a request nobody serves fails at once, and the NATS server handles
//! connections, reconnects and routing. The in-memory [`MemoryTransport`](crate::MemoryTransport)
//! is the fake the deterministic tests use. Anything with subjects, request-reply with a
//! deadline and a "no responders" answer fits behind the same trait.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;

/// A boxed, sendable future: what the methods of [`Transport`] return, so that a transport
/// can be kept as `Arc<dyn Transport>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A message's headers: names and values, in order. Names are ASCII, values are one line.
pub type Headers = Vec<(String, String)>;

/// The value of header `name` (ASCII case-insensitive), if present.
///
/// ```
/// use perennial_cluster::header;
///
/// let headers = vec![("Perennial-Kind".to_owned(), "call".to_owned())];
/// assert_eq!(header(&headers, "perennial-kind"), Some("call"));
/// assert_eq!(header(&headers, "missing"), None);
/// ```
pub fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A reply to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// Its headers.
    pub headers: Headers,
    /// Its payload.
    pub payload: Bytes,
}

/// A message that arrived on a served subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incoming {
    /// The subject it was sent to.
    pub subject: String,
    /// Where to publish the reply (`None` for a publish, which expects none).
    pub reply_to: Option<String>,
    /// Its headers.
    pub headers: Headers,
    /// Its payload.
    pub payload: Bytes,
}

/// Why a transport operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// Nobody serves the subject: the request was not delivered to anyone.
    NoResponders,
    /// No reply within the deadline. The request may have been handled.
    Timeout(Duration),
    /// The message is larger than the transport carries.
    TooLarge {
        /// Its size, headers included, in bytes.
        size: usize,
        /// The largest the transport carries.
        max: usize,
    },
    /// The subject is not a valid subject (empty, whitespace, or a wildcard).
    InvalidSubject(String),
    /// The connection is closed or failed.
    Connection(String),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::NoResponders => f.write_str("nobody serves this subject"),
            TransportError::Timeout(d) => write!(
                f,
                "no reply within {d:?}; the request may or may not have been handled"
            ),
            TransportError::TooLarge { size, max } => write!(
                f,
                "the message is {size} bytes, more than the {max} bytes the transport carries; \
                 send less per message (or raise the NATS server's max_payload)"
            ),
            TransportError::InvalidSubject(s) => write!(
                f,
                "`{s}` is not a valid subject: it must be non-empty, without whitespace, `*` or `>`"
            ),
            TransportError::Connection(why) => write!(f, "the transport failed: {why}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// The messages arriving on a served subject, until it is dropped (which unsubscribes).
pub struct Subscription {
    inner: Pin<Box<dyn Stream<Item = Incoming> + Send>>,
}

impl Subscription {
    /// A subscription reading `stream`.
    pub fn new(stream: impl Stream<Item = Incoming> + Send + 'static) -> Self {
        Subscription {
            inner: Box::pin(stream),
        }
    }

    /// The next message; `None` once the subscription or its connection has ended.
    pub async fn next(&mut self) -> Option<Incoming> {
        std::future::poll_fn(|cx| self.inner.as_mut().poll_next(cx)).await
    }
}

impl Stream for Subscription {
    type Item = Incoming;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Incoming>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription").finish_non_exhaustive()
    }
}

/// Request-reply and publish over subjects, with a "nobody serves this" answer.
///
/// Each method is one operation; mapping their outcomes to call errors, and the protocol on
/// top (headers, fencing tokens), is the remote layer's. A transport is shared as
/// `Arc<dyn Transport>`.
///
/// ```
/// use std::time::Duration;
/// use perennial_cluster::{MemoryTransport, Transport, TransportError};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), TransportError> {
/// let transport = MemoryTransport::new();
/// let mut served = transport.serve("app.echo", Some("workers")).await?;
/// let server = transport.clone();
/// tokio::spawn(async move {
///     while let Some(request) = served.next().await {
///         if let Some(to) = request.reply_to {
///             let _ = server.publish(&to, vec![], request.payload).await;
///         }
///     }
/// });
/// let reply = transport.request("app.echo", vec![], "hi".into(), Duration::from_secs(1)).await?;
/// assert_eq!(reply.payload, "hi");
/// let nobody = transport.request("app.none", vec![], "hi".into(), Duration::from_secs(1)).await;
/// assert_eq!(nobody, Err(TransportError::NoResponders));
/// # Ok(())
/// # }
/// ```
pub trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Sends a request to `subject` and waits up to `deadline` for the first reply.
    /// `Err(NoResponders)` at once when nobody serves the subject.
    fn request<'a>(
        &'a self,
        subject: &'a str,
        headers: Headers,
        payload: Bytes,
        deadline: Duration,
    ) -> BoxFuture<'a, Result<Reply, TransportError>>;

    /// Publishes a message to `subject` (also how a reply is sent, to its `reply_to`). At most
    /// once: it may be lost, and nobody serving it is not an error.
    fn publish<'a>(
        &'a self,
        subject: &'a str,
        headers: Headers,
        payload: Bytes,
    ) -> BoxFuture<'a, Result<(), TransportError>>;

    /// Serves `subject`: the returned subscription is confirmed by the server (a request sent
    /// after this returns reaches it). With a `queue` group, each message goes to one member
    /// of the group only.
    fn serve<'a>(
        &'a self,
        subject: &'a str,
        queue: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Subscription, TransportError>>;

    /// The largest message (payload and headers) the transport carries.
    fn max_payload(&self) -> usize;
}

/// The subject a global name is served on.
pub(crate) fn subject(prefix: &str, cluster: &str, name: &str) -> String {
    format!("{prefix}.{cluster}.{name}")
}

/// Whether `s` can be a concrete (publishable) subject.
pub(crate) fn valid_subject(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|token| {
            !token.is_empty()
                && token != "*"
                && token != ">"
                && !token.chars().any(|c| c.is_whitespace())
        })
}

#[cfg(test)]
mod tests {
    use super::valid_subject;

    #[test]
    fn subjects_are_checked() {
        assert!(valid_subject("perennial.shop.ledger"));
        assert!(!valid_subject(""));
        assert!(!valid_subject("a..b"));
        assert!(!valid_subject("a.*"));
        assert!(!valid_subject("a.>"));
        assert!(!valid_subject("a b"));
    }
}
