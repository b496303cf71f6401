//! The etcd v3 [`NameBackend`], on the `etcd-client` crate.
//!
//! A claim is one transaction: `if create_revision(key) == 0 then put(key, value, lease) else
//! get(key)`; its revision is the new key's creation revision, the fencing token. A release is
//! `if create_revision(key) == token then delete(key)`. Renewals open a keep-alive stream,
//! send one request and read its answer, so a renewal that hangs (a paused member, a dead
//! connection) is dropped by its caller's deadline without leaving a stream behind.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, DeleteOptions, EventType, GetOptions, PutOptions,
    Txn, TxnOp, TxnOpResponse, WatchOptions,
};
use tokio::sync::mpsc;

use crate::backend::{
    BackendError, ClaimOutcome, FencingToken, Lease, LeaseId, NameBackend, Record, WatchEvent,
    WatchReceiver,
};

/// How long connecting, and the first request after it, may take before
/// [`EtcdBackend::connect`] reports the endpoints as unreachable.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// A connection to an etcd cluster (v3 API). Cheap to clone: clones share the connection.
///
/// ```no_run
/// use perennial_cluster::{EtcdBackend, NameBackend};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let etcd = EtcdBackend::connect(["http://127.0.0.1:2379"]).await?;
/// let (nodes, revision) = etcd.list("perennial/").await?;
/// println!("{} keys at revision {revision}", nodes.len());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct EtcdBackend {
    endpoints: Arc<[String]>,
    connect_timeout: Duration,
    /// The member dialled (an index into `endpoints`) and its client.
    client: Arc<RwLock<(usize, Client)>>,
}

impl EtcdBackend {
    /// Connects to the etcd members at `endpoints` (`http://host:port`): to the first that
    /// answers within [`DEFAULT_CONNECT_TIMEOUT`], trying them in order. Requests go to that
    /// member until one fails and the caller re-dials ([`NameBackend::redial`]), which moves
    /// to the next member that answers.
    pub async fn connect<E: AsRef<str>>(
        endpoints: impl IntoIterator<Item = E>,
    ) -> Result<Self, BackendError> {
        Self::connect_with_timeout(endpoints, DEFAULT_CONNECT_TIMEOUT).await
    }

    /// [`connect`](Self::connect), waiting up to `timeout` for a member to answer.
    pub async fn connect_with_timeout<E: AsRef<str>>(
        endpoints: impl IntoIterator<Item = E>,
        timeout: Duration,
    ) -> Result<Self, BackendError> {
        let endpoints: Arc<[String]> = endpoints
            .into_iter()
            .map(|e| e.as_ref().to_owned())
            .collect();
        let client = dial(&endpoints, 0, timeout).await?;
        Ok(EtcdBackend {
            endpoints,
            connect_timeout: timeout,
            client: Arc::new(RwLock::new(client)),
        })
    }

    fn client(&self) -> Client {
        self.client
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .clone()
    }

    fn error(&self, e: etcd_client::Error) -> BackendError {
        map_error(&self.endpoints, e)
    }
}

/// Connects to one member, starting with `endpoints[start]` and trying the next ones in turn,
/// and makes one request, so an endpoint nobody listens on fails here, by name. Returns the
/// member's index with its client.
///
/// One member at a time, not one client balanced over all of them: a balanced client keeps
/// sending part of its requests to a member that died, while a client of one member fails as
/// a whole, and the re-dial after that failure moves every request (renewals, claims, the
/// watch) to the next member that answers.
async fn dial(
    endpoints: &[String],
    start: usize,
    timeout: Duration,
) -> Result<(usize, Client), BackendError> {
    let unreachable = |cause: String| BackendError::Unreachable {
        endpoints: endpoints.to_vec(),
        cause,
    };
    if endpoints.is_empty() {
        return Err(unreachable("no endpoints were given".into()));
    }
    let options = ConnectOptions::new()
        .with_connect_timeout(timeout)
        // HTTP/2 pings find a dead or paused member, so the watches on it break and re-read.
        .with_keep_alive(timeout, timeout)
        .with_keep_alive_while_idle(true);
    let mut cause = String::new();
    for k in 0..endpoints.len() {
        let index = (start + k) % endpoints.len();
        let endpoint = &endpoints[index];
        let attempt = async {
            let mut client = Client::connect([endpoint], Some(options.clone())).await?;
            client.get("perennial-cluster/ping", None).await?;
            Ok::<_, etcd_client::Error>(client)
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(Ok(client)) => return Ok((index, client)),
            Ok(Err(e)) => cause = format!("{endpoint}: {e}"),
            Err(_) => cause = format!("{endpoint}: no answer within {timeout:?}"),
        }
    }
    Err(unreachable(cause))
}

fn map_error(endpoints: &[String], e: etcd_client::Error) -> BackendError {
    match e {
        etcd_client::Error::TransportError(_) | etcd_client::Error::IoError(_) => {
            BackendError::Unreachable {
                endpoints: endpoints.to_vec(),
                cause: e.to_string(),
            }
        }
        etcd_client::Error::GRpcStatus(status) if status.code() == tonic::Code::Unavailable => {
            BackendError::Unreachable {
                endpoints: endpoints.to_vec(),
                cause: status.message().to_owned(),
            }
        }
        other => BackendError::Store(other.to_string()),
    }
}

fn record(kv: &etcd_client::KeyValue) -> Record {
    Record {
        key: String::from_utf8_lossy(kv.key()).into_owned(),
        value: kv.value().to_vec(),
        create_revision: kv.create_revision(),
        mod_revision: kv.mod_revision(),
        lease: kv.lease(),
    }
}

impl NameBackend for EtcdBackend {
    fn endpoints(&self) -> Vec<String> {
        self.endpoints.to_vec()
    }

    async fn grant(&self, ttl: Duration) -> Result<Lease, BackendError> {
        let secs = i64::try_from(ttl.as_secs().max(1)).unwrap_or(i64::MAX);
        let granted = self
            .client()
            .lease_grant(secs, None)
            .await
            .map_err(|e| self.error(e))?;
        let granted_ttl = u64::try_from(granted.ttl()).unwrap_or(0);
        Ok(Lease {
            id: LeaseId(granted.id()),
            ttl: Duration::from_secs(granted_ttl).max(ttl),
        })
    }

    async fn keep_alive(&self, lease: LeaseId) -> Result<(), BackendError> {
        match self.client().lease_keep_alive(lease.0).await {
            Ok(_) => Ok(()),
            Err(etcd_client::Error::LeaseKeepAliveError(_)) => Err(BackendError::LeaseLost(lease)),
            Err(e) => Err(self.error(e)),
        }
    }

    async fn revoke(&self, lease: LeaseId) -> Result<(), BackendError> {
        match self.client().lease_revoke(lease.0).await {
            Ok(_) => Ok(()),
            Err(etcd_client::Error::GRpcStatus(s)) if s.code() == tonic::Code::NotFound => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }

    async fn claim(
        &self,
        key: &str,
        value: Vec<u8>,
        lease: LeaseId,
    ) -> Result<ClaimOutcome, BackendError> {
        let txn = Txn::new()
            .when([Compare::create_revision(key, CompareOp::Equal, 0)])
            .and_then([TxnOp::put(
                key,
                value,
                Some(PutOptions::new().with_lease(lease.0)),
            )])
            .or_else([TxnOp::get(key, None)]);
        let response = match self.client().txn(txn).await {
            Ok(r) => r,
            Err(etcd_client::Error::GRpcStatus(s)) if s.code() == tonic::Code::NotFound => {
                // "requested lease not found": the lease expired before the claim.
                return Err(BackendError::LeaseLost(lease));
            }
            Err(e) => return Err(self.error(e)),
        };
        if response.succeeded() {
            let revision = response.header().map(|h| h.revision()).ok_or_else(|| {
                BackendError::Store("a transaction answer without a header".into())
            })?;
            return Ok(ClaimOutcome::Won(FencingToken(revision)));
        }
        for op in response.op_responses() {
            if let TxnOpResponse::Get(get) = op
                && let Some(kv) = get.kvs().first()
            {
                return Ok(ClaimOutcome::Taken(record(kv)));
            }
        }
        // Taken at the compare, deleted before the get: the same transaction cannot see both,
        // so this does not happen; report it rather than guess.
        Err(BackendError::Store(format!(
            "`{key}` existed at the compare but not at the read"
        )))
    }

    async fn release(&self, key: &str, token: FencingToken) -> Result<bool, BackendError> {
        let txn = Txn::new()
            .when([Compare::create_revision(key, CompareOp::Equal, token.0)])
            .and_then([TxnOp::delete(key, None::<DeleteOptions>)]);
        let response = self.client().txn(txn).await.map_err(|e| self.error(e))?;
        Ok(response.succeeded())
    }

    async fn list(&self, prefix: &str) -> Result<(Vec<Record>, i64), BackendError> {
        let response = self
            .client()
            .get(prefix, Some(GetOptions::new().with_prefix()))
            .await
            .map_err(|e| self.error(e))?;
        let revision = response.header().map_or(0, |h| h.revision());
        Ok((response.kvs().iter().map(record).collect(), revision))
    }

    async fn watch(&self, prefix: &str, from_revision: i64) -> Result<WatchReceiver, BackendError> {
        let options = WatchOptions::new()
            .with_prefix()
            .with_start_revision(from_revision);
        let mut stream = self
            .client()
            .watch(prefix, Some(options))
            .await
            .map_err(|e| self.error(e))?;
        let (tx, rx) = mpsc::channel(64);
        let endpoints = self.endpoints.clone();
        tokio::spawn(async move {
            loop {
                let response = match stream.message().await {
                    Ok(Some(r)) => r,
                    Ok(None) => {
                        let _ = tx
                            .send(Err(BackendError::WatchBroken("the stream ended".into())))
                            .await;
                        return;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(map_error(&endpoints, e))).await;
                        return;
                    }
                };
                if response.canceled() {
                    let why = format!(
                        "cancelled by etcd ({}; compacted at {})",
                        response.cancel_reason(),
                        response.compact_revision()
                    );
                    let _ = tx.send(Err(BackendError::WatchBroken(why))).await;
                    return;
                }
                for event in response.events() {
                    let Some(kv) = event.kv() else { continue };
                    let change = match event.event_type() {
                        EventType::Put => WatchEvent::Put(record(kv)),
                        EventType::Delete => WatchEvent::Delete {
                            key: String::from_utf8_lossy(kv.key()).into_owned(),
                            revision: kv.mod_revision(),
                        },
                    };
                    if tx.send(Ok(change)).await.is_err() {
                        return; // the watcher is gone; dropping the stream cancels the watch
                    }
                }
            }
        });
        Ok(rx)
    }

    async fn redial(&self) -> Result<(), BackendError> {
        // The next member first: the current one just failed.
        let current = self.client.read().unwrap_or_else(PoisonError::into_inner).0;
        let client = dial(&self.endpoints, current + 1, self.connect_timeout).await?;
        *self.client.write().unwrap_or_else(PoisonError::into_inner) = client;
        Ok(())
    }
}
