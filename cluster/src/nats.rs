//! [`NatsTransport`]: the [`Transport`] on core NATS (the official `async-nats` client).

use std::time::Duration;

use async_nats::client::RequestErrorKind;
use async_nats::{HeaderMap, Request};
use bytes::Bytes;
use futures_core::Stream;

use crate::transport::{
    BoxFuture, Headers, Incoming, Reply, Subscription, Transport, TransportError, valid_subject,
};

/// How long connecting may take before [`NatsTransport::connect`] gives up.
pub const DEFAULT_NATS_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Core NATS request-reply and publish (no JetStream), on one `async-nats` connection that
/// reconnects by itself. Cheap to clone (clones share the connection).
///
/// ```no_run
/// use perennial_cluster::{ClusterConfig, NatsTransport};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let nats = NatsTransport::connect("nats://127.0.0.1:4222").await?;
/// let config = ClusterConfig::new("shop", "node-a").with_transport(nats);
/// # let _ = config;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct NatsTransport {
    client: async_nats::Client,
    url: String,
}

impl std::fmt::Debug for NatsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsTransport")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl NatsTransport {
    /// Connects to the NATS server at `url` (`nats://host:port`, or several separated by
    /// commas). Fails with [`TransportError::Connection`] naming the URL when no server
    /// answers within [`DEFAULT_NATS_CONNECT_TIMEOUT`].
    pub async fn connect(url: &str) -> Result<Self, TransportError> {
        let options = async_nats::ConnectOptions::new()
            .connection_timeout(DEFAULT_NATS_CONNECT_TIMEOUT)
            // Deadlines are per request; none by default.
            .request_timeout(None);
        Self::connect_with(url, options).await
    }

    /// [`connect`](Self::connect) with `async-nats`'s own options (credentials, TLS, ping
    /// interval, ...).
    pub async fn connect_with(
        url: &str,
        options: async_nats::ConnectOptions,
    ) -> Result<Self, TransportError> {
        let connecting = options.connect(url);
        let client = tokio::time::timeout(DEFAULT_NATS_CONNECT_TIMEOUT * 2, connecting)
            .await
            .map_err(|_| {
                TransportError::Connection(format!(
                    "no NATS server answered at {url} within {:?}; is nats-server running there?",
                    DEFAULT_NATS_CONNECT_TIMEOUT * 2
                ))
            })?
            .map_err(|e| {
                TransportError::Connection(format!(
                    "cannot connect to NATS at {url}: {e}; is nats-server running there?"
                ))
            })?;
        Ok(NatsTransport {
            client,
            url: url.to_owned(),
        })
    }

    /// The `async-nats` client, for anything else.
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }
}

fn to_nats(headers: Headers) -> Option<HeaderMap> {
    if headers.is_empty() {
        return None;
    }
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(name, value);
    }
    Some(map)
}

fn from_nats(headers: Option<HeaderMap>) -> Headers {
    let Some(map) = headers else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(map.len());
    for (name, values) in map.iter() {
        for value in values {
            out.push((name.to_string(), value.as_str().to_owned()));
        }
    }
    out
}

impl Transport for NatsTransport {
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
            let mut request = Request::new().payload(payload).timeout(Some(deadline));
            if let Some(headers) = to_nats(headers) {
                request = request.headers(headers);
            }
            // The client's own timeout covers the wait for the reply; this one also covers a
            // send that cannot go out (a stalled connection).
            let sent = self.client.send_request(subject.to_owned(), request);
            let message = match tokio::time::timeout(deadline, sent).await {
                Err(_) => return Err(TransportError::Timeout(deadline)),
                Ok(Ok(message)) => message,
                Ok(Err(e)) => {
                    return Err(match e.kind() {
                        RequestErrorKind::NoResponders => TransportError::NoResponders,
                        RequestErrorKind::TimedOut => TransportError::Timeout(deadline),
                        RequestErrorKind::InvalidSubject => {
                            TransportError::InvalidSubject(subject.to_owned())
                        }
                        RequestErrorKind::MaxPayloadExceeded => TransportError::TooLarge {
                            size: 0,
                            max: self.client.max_payload(),
                        },
                        RequestErrorKind::Other => TransportError::Connection(e.to_string()),
                    });
                }
            };
            Ok(Reply {
                headers: from_nats(message.headers),
                payload: message.payload,
            })
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
            let sent = match to_nats(headers) {
                Some(h) => {
                    self.client
                        .publish_with_headers(subject.to_owned(), h, payload)
                        .await
                }
                None => self.client.publish(subject.to_owned(), payload).await,
            };
            sent.map_err(|e| match e.kind() {
                async_nats::client::PublishErrorKind::MaxPayloadExceeded => {
                    TransportError::TooLarge {
                        size: 0,
                        max: self.client.max_payload(),
                    }
                }
                async_nats::client::PublishErrorKind::InvalidSubject => {
                    TransportError::InvalidSubject(subject.to_owned())
                }
                async_nats::client::PublishErrorKind::Send => {
                    TransportError::Connection(e.to_string())
                }
            })
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
            let subscriber = match queue {
                Some(q) => {
                    self.client
                        .queue_subscribe(subject.to_owned(), q.to_owned())
                        .await
                }
                None => self.client.subscribe(subject.to_owned()).await,
            }
            .map_err(|e| TransportError::Connection(e.to_string()))?;
            // The server has processed the SUB once it answers the flush's PING: a request
            // sent after this finds the subscription.
            self.client
                .flush()
                .await
                .map_err(|e| TransportError::Connection(format!("subscribing: {e}")))?;
            Ok(Subscription::new(Messages(subscriber)))
        })
    }

    fn max_payload(&self) -> usize {
        self.client.max_payload()
    }
}

struct Messages(async_nats::Subscriber);

impl Stream for Messages {
    type Item = Incoming;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Incoming>> {
        std::pin::Pin::new(&mut self.0).poll_next(cx).map(|next| {
            next.map(|m| Incoming {
                subject: m.subject.to_string(),
                reply_to: m.reply.map(|r| r.to_string()),
                headers: from_nats(m.headers),
                payload: m.payload,
            })
        })
    }
}
