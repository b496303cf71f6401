//! Remote calls and casts: a server held under a global name on one node, called through its
//! typed client from any node.
//!
//! # The protocol
//!
//! The node holding a global name `name` whose child is exported serves the subject
//! `<prefix>.<cluster>.<name>` (prefix `perennial` unless configured) in the queue group
//! `perennial`, so each message reaches exactly one subscriber. It subscribes, and the NATS
//! server confirms the subscription, *before* it claims the name in etcd: whoever sees the
//! name can reach it.
//!
//! A request carries the headers `Perennial-Kind` (`call`, `cast` or `ping`),
//! `Perennial-Token` (the fencing token the caller's cache shows for the name) and
//! `Perennial-Deadline-Ms` (the caller's remaining time; clocks are not compared). The payload
//! is the server's `Call` or `Cast` message in postcard. A reply carries `Perennial-Status`:
//!
//! | status        | payload                  | the caller gets |
//! |---------------|--------------------------|-----------------|
//! | `ok`          | the `Reply`, postcard    | the reply |
//! | `exited`      | the exit reason          | `CallError::Exited(reason)` |
//! | `not-running` | —                        | `CallError::NotRunning` |
//! | `timeout`     | —                        | `CallError::Timeout` |
//! | `stale`       | —                        | a retry (the call did not run) |
//! | `bad-request` | a message, UTF-8         | `CallError::Remote(message)` |
//!
//! `stale` means the receiver does not hold the name under the request's token (the name
//! moved, or the receiver is a node between subscribing and claiming): it did not run the
//! call, so the caller waits for its cache to show the new holder and sends again, within its
//! deadline.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use perennial_runtime::{
    CallError, CastError, Client, ExitReason, HasClient, Registry, RemoteReply, RemoteTarget,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::backend::{FencingToken, NameBackend};
use crate::cluster::{Cluster, ClusterError, Inner};
use crate::codec::{self, CodecError};
use crate::transport::{BoxFuture, Headers, Incoming, Transport, TransportError, header, subject};

pub(crate) const KIND: &str = "Perennial-Kind";
pub(crate) const TOKEN: &str = "Perennial-Token";
pub(crate) const DEADLINE: &str = "Perennial-Deadline-Ms";
pub(crate) const STATUS: &str = "Perennial-Status";
/// The queue group every server subscribes in: one delivery per message.
pub(crate) const QUEUE: &str = "perennial";

/// A server whose calls, casts and replies can cross nodes: they are serde-serialisable.
/// `#[gen_server(remote)]` derives what it takes; any `GenServer` + `HasClient` whose messages
/// are `Serialize + DeserializeOwned` is one.
///
/// ```
/// use perennial_cluster::RemoteServer;
/// use perennial_runtime::{Client, Context, GenServer, HasClient};
/// # use std::convert::Infallible;
///
/// struct Ledger(u64);
///
/// impl GenServer for Ledger {
///     type Args = ();
///     type Call = u64; // add, and reply with the total
///     type Reply = u64;
///     type Cast = ();
///     type Info = Infallible;
///     type Continue = Infallible;
///     type Error = Infallible;
///     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
///         Ok(Ledger(0))
///     }
///     async fn handle_call(&mut self, n: u64, _: &mut Context<Self>) -> u64 {
///         self.0 += n;
///         self.0
///     }
/// }
///
/// impl HasClient for Ledger {
///     type Client = Client<Ledger>;
/// }
///
/// fn exported<S: RemoteServer>() {}
/// exported::<Ledger>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be called from other nodes: its calls, casts and replies must be serde-serialisable",
    label = "not a remote server",
    note = "write `#[gen_server(remote)]` on its impl block, and derive `serde::Serialize` and `serde::Deserialize` on the types its handlers take and return"
)]
pub trait RemoteServer:
    HasClient<
        Call: Serialize + DeserializeOwned,
        Reply: Serialize + DeserializeOwned,
        Cast: Serialize + DeserializeOwned,
    >
{
}

#[diagnostic::do_not_recommend]
impl<S> RemoteServer for S
where
    S: HasClient,
    S::Call: Serialize + DeserializeOwned,
    S::Reply: Serialize + DeserializeOwned,
    S::Cast: Serialize + DeserializeOwned,
{
}

/// A type that can be a remote server's call or cast argument, or its reply: serde-serialisable
/// both ways (`Serialize + DeserializeOwned`), which every such type is.
///
/// `#[gen_server(remote)]` writes `#[serde(serialize_with = "<T as RemoteMessage>::serialize",
/// deserialize_with = "<T as RemoteMessage>::deserialize")]` on the fields of its message enums, located where the user wrote `T`: the serialisation is `T`'s own, unchanged on
/// the wire, and a `T` that is not serialisable is one error there, naming this trait, rather
/// than one for each place the serde derive uses the field.
///
/// ```
/// use perennial_cluster::RemoteMessage;
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// enum Call {
///     Add {
///         #[serde(
///             serialize_with = "<u64 as RemoteMessage>::serialize",
///             deserialize_with = "<u64 as RemoteMessage>::deserialize"
///         )]
///         by: u64,
///     },
/// }
///
/// let bytes = postcard::to_allocvec(&Call::Add { by: 5 }).unwrap();
/// assert_eq!(bytes, [0, 5]); // as without the adapter
/// assert_eq!(postcard::from_bytes::<Call>(&bytes).unwrap(), Call::Add { by: 5 });
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't cross nodes: a remote server's arguments and replies must be serde-serialisable",
    label = "sent to or from another node",
    note = "write `#[derive(serde::Serialize, serde::Deserialize)]` on `{Self}` (serde as a dependency of your crate); for a type of another crate, look for its `serde` feature"
)]
pub trait RemoteMessage: Sized {
    /// `value.serialize(serializer)`.
    fn serialize<S: serde::Serializer>(value: &Self, serializer: S) -> Result<S::Ok, S::Error>;

    /// `Self::deserialize(deserializer)`.
    fn deserialize<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned> RemoteMessage for T {
    fn serialize<S: serde::Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        Serialize::serialize(value, serializer)
    }

    fn deserialize<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        <T as Deserialize>::deserialize(deserializer)
    }
}

/// How a remote server's exit crosses the wire.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
enum WireExit {
    Normal,
    Shutdown,
    Killed,
    NoRestart,
    Panic(String),
    Error(String),
}

impl WireExit {
    fn from_reason(reason: &ExitReason) -> Self {
        match reason {
            ExitReason::Normal => WireExit::Normal,
            ExitReason::Shutdown => WireExit::Shutdown,
            ExitReason::Killed => WireExit::Killed,
            ExitReason::NoRestart => WireExit::NoRestart,
            ExitReason::Panic(message) => WireExit::Panic(message.to_string()),
            ExitReason::Error(error) => WireExit::Error(error.to_string()),
            other => WireExit::Error(other.to_string()),
        }
    }

    fn into_reason(self, node: &str) -> ExitReason {
        match self {
            WireExit::Normal => ExitReason::Normal,
            WireExit::Shutdown => ExitReason::Shutdown,
            WireExit::Killed => ExitReason::Killed,
            WireExit::NoRestart => ExitReason::NoRestart,
            WireExit::Panic(message) => ExitReason::Panic(message.into()),
            WireExit::Error(message) => ExitReason::error(RemoteError {
                node: node.to_owned(),
                message,
            }),
        }
    }
}

/// A remote server's error exit, as its caller sees it: the node it ran on and the reason's
/// message (the error value itself stays on that node).
///
/// ```
/// use perennial_cluster::RemoteError;
///
/// let e = RemoteError { node: "b".into(), message: "disk full".into() };
/// assert_eq!(e.to_string(), "on node `b`: disk full");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteError {
    /// The node the server ran on (as the caller's cache knew it).
    pub node: String,
    /// The exit reason's message.
    pub message: String,
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "on node `{}`: {}", self.node, self.message)
    }
}

impl std::error::Error for RemoteError {}

fn reply(status: &str, payload: Bytes) -> (Headers, Bytes) {
    (vec![(STATUS.to_owned(), status.to_owned())], payload)
}

/// Answers the messages of one exported server on this node.
pub(crate) type Handler = Arc<
    dyn Fn(Incoming, Option<FencingToken>) -> BoxFuture<'static, Option<(Headers, Bytes)>>
        + Send
        + Sync,
>;

/// The handler of server `S` registered under `name` in `registry`: decodes, checks the
/// token, calls the local server within the caller's deadline, encodes the outcome. Never
/// panics on what arrives; a malformed or oversized message is answered `bad-request` (a cast
/// is dropped) and logged.
pub(crate) fn handler<S: RemoteServer>(registry: &Registry, name: &str, max: usize) -> Handler {
    let local: Client<S> = Client::from(registry.named::<S>(name.to_owned()));
    let name: Arc<str> = name.into();
    Arc::new(move |incoming: Incoming, held: Option<FencingToken>| {
        let local = local.clone();
        let name = name.clone();
        Box::pin(async move {
            let kind = header(&incoming.headers, KIND).unwrap_or("");
            let token = header(&incoming.headers, TOKEN).and_then(|t| t.parse::<i64>().ok());
            let fresh = matches!((held, token), (Some(h), Some(t)) if h.0 == t);
            match kind {
                "cast" => {
                    if !fresh {
                        tracing::debug!(%name, ?token, ?held, "a cast for another holder of the name dropped");
                        return None;
                    }
                    match codec::decode::<S::Cast>(&incoming.payload, max) {
                        Ok(cast) => {
                            if local.cast(cast).is_err() {
                                tracing::debug!(%name, "a remote cast found no server running; dropped");
                            }
                        }
                        Err(e) => {
                            tracing::warn!(%name, error = %e, "a remote cast that does not decode dropped")
                        }
                    }
                    None
                }
                "call" | "ping" => {
                    if !fresh {
                        return Some(reply("stale", Bytes::new()));
                    }
                    let deadline = header(&incoming.headers, DEADLINE)
                        .and_then(|d| d.parse::<u64>().ok())
                        .map(Duration::from_millis)
                        .unwrap_or(perennial_runtime::DEFAULT_CALL_TIMEOUT);
                    let local = local.with_timeout(deadline);
                    let outcome = if kind == "ping" {
                        local.ping().await.map(|()| Bytes::new())
                    } else {
                        let call = match codec::decode::<S::Call>(&incoming.payload, max) {
                            Ok(call) => call,
                            Err(e) => {
                                tracing::warn!(%name, error = %e, "a remote call that does not decode answered bad-request");
                                return Some(reply("bad-request", e.to_string().into()));
                            }
                        };
                        match local.call(call).await {
                            Ok(answer) => match codec::encode(&answer, max) {
                                Ok(bytes) => Ok(bytes),
                                Err(e) => {
                                    tracing::warn!(%name, error = %e, "a remote call's reply cannot be sent");
                                    return Some(reply(
                                        "bad-request",
                                        format!("the reply could not be sent: {e}").into(),
                                    ));
                                }
                            },
                            Err(e) => Err(e),
                        }
                    };
                    Some(match outcome {
                        Ok(bytes) => reply("ok", bytes),
                        Err(CallError::Exited(reason)) => {
                            let exit = WireExit::from_reason(&reason);
                            reply(
                                "exited",
                                codec::encode(&exit, max).unwrap_or_else(|_| Bytes::new()),
                            )
                        }
                        Err(CallError::NotRunning { .. }) => reply("not-running", Bytes::new()),
                        Err(CallError::Timeout(_)) => reply("timeout", Bytes::new()),
                        Err(other) => reply("bad-request", other.to_string().into()),
                    })
                }
                other => {
                    tracing::warn!(%name, kind = other, "a message of unknown kind on a server's subject");
                    incoming
                        .reply_to
                        .as_ref()
                        .map(|_| reply("bad-request", format!("unknown kind `{other}`").into()))
                }
            }
        })
    })
}

/// A served subject: the subscription's reader, and the token requests must carry. Dropping
/// it (or [`stop`](Self::stop)) unsubscribes.
pub(crate) struct Serving {
    held: watch::Sender<Option<FencingToken>>,
    reader: JoinHandle<()>,
}

impl Serving {
    /// Subscribes to `subject` (confirmed by the server when this returns) and answers with
    /// `handler`; every request is `stale` until [`hold`](Self::hold) gives the token.
    pub(crate) async fn start(
        transport: Arc<dyn Transport>,
        subject: String,
        handler: Handler,
    ) -> Result<Self, TransportError> {
        let mut subscription = transport.serve(&subject, Some(QUEUE)).await?;
        let (held, held_rx) = watch::channel(None);
        let reader = tokio::spawn(async move {
            while let Some(incoming) = subscription.next().await {
                let token = *held_rx.borrow();
                let is_cast = header(&incoming.headers, KIND) == Some("cast");
                let reply_to = incoming.reply_to.clone();
                let answer = handler(incoming, token);
                let transport = transport.clone();
                let respond = async move {
                    if let (Some((headers, payload)), Some(to)) = (answer.await, reply_to)
                        && let Err(e) = transport.publish(&to, headers, payload).await
                    {
                        tracing::warn!(error = %e, "a remote call's reply was not sent");
                    }
                };
                if is_cast {
                    // Casts are queued in the order they arrive (a call the same sender
                    // makes after them lands behind them); they do not wait.
                    respond.await;
                } else {
                    tokio::spawn(respond);
                }
            }
        });
        Ok(Serving { held, reader })
    }

    /// Requests carrying `token` are handled from now on.
    pub(crate) fn hold(&self, token: FencingToken) {
        self.held.send_replace(Some(token));
    }

    /// Unsubscribes; requests already taken finish.
    pub(crate) fn stop(self) {
        self.held.send_replace(None);
        self.reader.abort();
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// The client side: follows a global name through the cluster's cache.
pub(crate) struct RemoteRef<S, B: NameBackend> {
    inner: Arc<Inner<B>>,
    transport: Arc<dyn Transport>,
    name: String,
    subject: String,
    max: usize,
    casts: OnceLock<CastQueue>,
    _server: PhantomData<fn(S) -> S>,
}

/// A client's casts, published in order by one task; its calls wait for the casts queued
/// before them to be handed to the transport, so one caller's casts and calls arrive in the
/// order it made them (as in Erlang, between one sender and one receiver).
struct CastQueue {
    tx: mpsc::UnboundedSender<(Headers, Bytes)>,
    /// How many casts were queued.
    queued: std::sync::atomic::AtomicU64,
    /// How many the task has handed to the transport; closed when the task is gone.
    published: watch::Receiver<u64>,
}

impl<S: RemoteServer, B: NameBackend> RemoteRef<S, B> {
    pub(crate) fn new(inner: Arc<Inner<B>>, transport: Arc<dyn Transport>, name: &str) -> Self {
        let subject = subject(
            inner.config.subject_prefix(),
            inner.config.cluster_name(),
            name,
        );
        let max = inner.config.max_message().min(transport.max_payload());
        RemoteRef {
            inner,
            transport,
            name: name.to_owned(),
            subject,
            max,
            casts: OnceLock::new(),
            _server: PhantomData,
        }
    }

    fn not_running(&self) -> CallError {
        CallError::NotRunning {
            name: Some(self.name.as_str().into()),
        }
    }

    /// The holder's token and node, if the cache shows one of the right type.
    fn holder(&self) -> Result<Option<(FencingToken, String)>, CallError> {
        let Some(held) = self.inner.read_cache().names.get(&self.name).cloned() else {
            return Ok(None);
        };
        let wanted = std::any::type_name::<S>();
        if held.kind != wanted {
            return Err(CallError::Remote(
                format!(
                    "`{}` is held by node `{}` as a `{}`, not the `{wanted}` this client \
                     expects",
                    self.name, held.node, held.kind
                )
                .into(),
            ));
        }
        Ok(Some((held.token, held.node.clone())))
    }

    /// Sends a call or ping; retries while the answer is `stale` (proven not run).
    async fn request(
        &self,
        kind: &'static str,
        payload: Bytes,
        timeout: Duration,
    ) -> Result<(Bytes, String), CallError> {
        let deadline = Instant::now() + timeout;
        self.casts_sent(deadline).await;
        let mut changes = self.inner.changes.subscribe();
        let mut backoff = Duration::from_millis(1);
        loop {
            changes.borrow_and_update();
            let Some((token, node)) = self.holder()? else {
                return Err(self.not_running());
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(CallError::Timeout(timeout));
            }
            let headers = vec![
                (KIND.to_owned(), kind.to_owned()),
                (TOKEN.to_owned(), token.0.to_string()),
                (DEADLINE.to_owned(), left.as_millis().to_string()),
            ];
            let answer = self
                .transport
                .request(&self.subject, headers, payload.clone(), left)
                .await;
            let reply = match answer {
                Ok(reply) => reply,
                Err(TransportError::NoResponders) => return Err(self.not_running()),
                Err(TransportError::Timeout(_)) => return Err(CallError::Timeout(timeout)),
                Err(e) => return Err(CallError::Remote(e.to_string().into())),
            };
            match header(&reply.headers, STATUS).unwrap_or("") {
                "ok" => return Ok((reply.payload, node)),
                "exited" => {
                    let reason = match codec::decode::<WireExit>(&reply.payload, self.max) {
                        Ok(exit) => exit.into_reason(&node),
                        Err(e) => ExitReason::error(RemoteError {
                            node,
                            message: format!("an exit reason that does not decode: {e}"),
                        }),
                    };
                    return Err(CallError::Exited(reason));
                }
                "not-running" => return Err(self.not_running()),
                "timeout" => return Err(CallError::Timeout(timeout)),
                "stale" => {
                    // Not run: wait for the cache to move on (or a moment, when it already
                    // has and we met a node between subscribing and claiming), then again.
                    let moved = async {
                        loop {
                            if changes.changed().await.is_err() {
                                std::future::pending::<()>().await;
                            }
                            if self.holder().ok().flatten().map(|h| h.0) != Some(token) {
                                return;
                            }
                        }
                    };
                    tokio::select! {
                        _ = moved => {}
                        _ = tokio::time::sleep(backoff) => {}
                        _ = tokio::time::sleep_until(deadline) => return Err(CallError::Timeout(timeout)),
                    }
                    backoff = (backoff * 2).min(Duration::from_millis(100));
                }
                other => {
                    let text = String::from_utf8_lossy(&reply.payload);
                    return Err(CallError::Remote(
                        format!("node `{node}` answered `{other}`: {text}").into(),
                    ));
                }
            }
        }
    }

    /// The queue of this client's casts, published in order by one task.
    fn cast_queue(&self) -> Option<&CastQueue> {
        if let Some(queue) = self.casts.get() {
            return Some(queue);
        }
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let (tx, mut rx) = mpsc::unbounded_channel::<(Headers, Bytes)>();
        let (done, published) = watch::channel(0u64);
        let transport = self.transport.clone();
        let subject = self.subject.clone();
        runtime.spawn(async move {
            while let Some((headers, payload)) = rx.recv().await {
                if let Err(e) = transport.publish(&subject, headers, payload).await {
                    tracing::warn!(%subject, error = %e, "a remote cast was not sent");
                }
                done.send_modify(|n| *n += 1);
            }
        });
        Some(self.casts.get_or_init(|| CastQueue {
            tx,
            queued: std::sync::atomic::AtomicU64::new(0),
            published,
        }))
    }

    /// Waits (until `deadline` at most) for the casts this client queued so far to be handed to
    /// the transport, so that a call does not overtake them.
    async fn casts_sent(&self, deadline: Instant) {
        let Some(queue) = self.casts.get() else {
            return;
        };
        let queued = queue.queued.load(std::sync::atomic::Ordering::SeqCst);
        let mut published = queue.published.clone();
        let _ = tokio::time::timeout_at(deadline, async {
            while *published.borrow_and_update() < queued {
                if published.changed().await.is_err() {
                    return; // the task is gone: nothing more will be sent
                }
            }
        })
        .await;
    }
}

impl<S: RemoteServer, B: NameBackend> RemoteTarget<S> for RemoteRef<S, B> {
    fn call(&self, call: S::Call, timeout: Duration) -> RemoteReply<'_, S::Reply> {
        Box::pin(async move {
            let payload = codec::encode(&call, self.max).map_err(remote)?;
            let (bytes, node) = self.request("call", payload, timeout).await?;
            codec::decode::<S::Reply>(&bytes, self.max).map_err(|e| {
                CallError::Remote(
                    format!("the reply from node `{node}` ran, but does not decode: {e}").into(),
                )
            })
        })
    }

    fn cast(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>> {
        let token = match self.holder() {
            Ok(Some((token, _))) => token,
            _ => return Err(CastError::NotRunning(cast)),
        };
        let payload = match codec::encode(&cast, self.max) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::warn!(name = %self.name, error = %e, "a remote cast cannot be sent");
                return Err(CastError::NotRunning(cast));
            }
        };
        let headers = vec![
            (KIND.to_owned(), "cast".to_owned()),
            (TOKEN.to_owned(), token.0.to_string()),
        ];
        let Some(queue) = self.cast_queue() else {
            return Err(CastError::NotRunning(cast));
        };
        queue
            .queued
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if queue.tx.send((headers, payload)).is_err() {
            queue
                .queued
                .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            return Err(CastError::NotRunning(cast));
        }
        Ok(())
    }

    fn ping(&self, timeout: Duration) -> RemoteReply<'_, ()> {
        Box::pin(async move {
            self.request("ping", Bytes::new(), timeout)
                .await
                .map(|_| ())
        })
    }

    fn name(&self) -> &str {
        &self.name
    }
}

fn remote(e: CodecError) -> CallError {
    CallError::Remote(e.to_string().into())
}

/// A typed client of the server `S` held under the global name `name`.
pub(crate) fn client<S: RemoteServer, B: NameBackend>(
    inner: Arc<Inner<B>>,
    transport: Arc<dyn Transport>,
    name: &str,
) -> S::Client {
    let target: Arc<dyn RemoteTarget<S>> = Arc::new(RemoteRef::<S, B>::new(inner, transport, name));
    S::Client::from(Client::remote(target))
}

impl<B: NameBackend> Cluster<B> {
    /// A typed client of the server `S` held under the global name `name`, on whichever node
    /// holds it now: the same client type, with the same methods, as a local one. Its calls
    /// follow the name through takeovers. Errors map to the local ones:
    ///
    /// - nobody holds or serves the name: [`CallError::NotRunning`] at once;
    /// - no reply within the client's timeout: [`CallError::Timeout`] (the call may or may not
    ///   have run);
    /// - the server exited while handling the call: [`CallError::Exited`] with its reason;
    /// - the name moved (the receiver does not hold it under the token the caller's cache
    ///   showed): the call did not run, so it is sent again to the new holder, within the
    ///   timeout;
    /// - a message too large, or one the other node cannot decode: [`CallError::Remote`].
    ///
    /// A cast is a publish: at most once, and it may be lost. Info messages and `stop` stay
    /// local. Fails with [`ClusterError::NoTransport`] without a transport in the config.
    ///
    /// [`CallError::NotRunning`]: perennial_runtime::CallError::NotRunning
    /// [`CallError::Timeout`]: perennial_runtime::CallError::Timeout
    /// [`CallError::Exited`]: perennial_runtime::CallError::Exited
    /// [`CallError::Remote`]: perennial_runtime::CallError::Remote
    ///
    /// ```
    /// use std::time::Duration;
    /// use perennial_cluster::{Cluster, ClusterConfig, GlobalChild, GlobalTree, MemoryBackend, MemoryTransport};
    /// use perennial_runtime::supervisor::SupervisorSpec;
    /// use perennial_runtime::{CallError, Client, Context, GenServer, HasClient};
    /// # use std::convert::Infallible;
    ///
    /// struct Total(u64);
    ///
    /// impl GenServer for Total {
    ///     type Args = ();
    ///     type Call = u64;
    ///     type Reply = u64;
    ///     type Cast = ();
    ///     type Info = Infallible;
    ///     type Continue = Infallible;
    ///     type Error = Infallible;
    ///     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Total(0)) }
    ///     async fn handle_call(&mut self, n: u64, _: &mut Context<Self>) -> u64 { self.0 += n; self.0 }
    /// }
    /// impl HasClient for Total { type Client = Client<Total>; }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (store, bus) = (MemoryBackend::new(), MemoryTransport::new());
    /// let config = |node| ClusterConfig::new("shop", node).with_transport(bus.clone());
    /// let a = Cluster::join(store.clone(), config("a")).await?;
    /// let c = Cluster::join(store.clone(), config("c")).await?;
    /// let total = c.remote::<Total>("total")?;
    /// assert!(matches!(total.call(1).await, Err(CallError::NotRunning { .. })));
    ///
    /// let tree = GlobalTree::new(SupervisorSpec::new("app"))
    ///     .global(GlobalChild::exported::<Total>("total", |_| ()))
    ///     .start(&a)
    ///     .await?;
    /// tree.wait_holding("total").await;
    /// # while c.lookup("total").is_none() { tokio::task::yield_now().await; }
    /// assert_eq!(total.call(2).await?, 2); // from node c, run on node a
    /// assert_eq!(total.call(3).await?, 5);
    /// tree.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn remote<S: RemoteServer>(&self, name: &str) -> Result<S::Client, ClusterError> {
        let transport = self
            .inner
            .config
            .transport
            .clone()
            .ok_or(ClusterError::NoTransport)?;
        let subject = crate::transport::subject(
            &self.inner.config.subject_prefix,
            &self.inner.config.cluster,
            name,
        );
        if name.is_empty() || name.contains('/') || !crate::transport::valid_subject(&subject) {
            return Err(ClusterError::InvalidChild(format!(
                "`{name}` cannot be a remote server's name: names are non-empty, without `/`, \
                 whitespace, `*` or `>`"
            )));
        }
        Ok(client::<S, B>(self.inner.clone(), transport, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_reasons_cross_the_wire() {
        for reason in [
            ExitReason::Normal,
            ExitReason::Shutdown,
            ExitReason::Killed,
            ExitReason::NoRestart,
            ExitReason::Panic("boom".into()),
        ] {
            let wire = WireExit::from_reason(&reason);
            let bytes = codec::encode(&wire, 1024).unwrap();
            let back: WireExit = codec::decode(&bytes, 1024).unwrap();
            assert_eq!(back.into_reason("b"), reason);
        }
        let error = WireExit::from_reason(&ExitReason::error("disk full"));
        let back = error.into_reason("b");
        assert_eq!(
            back.to_string(),
            ExitReason::error("on node `b`: disk full").to_string()
        );
    }
}
