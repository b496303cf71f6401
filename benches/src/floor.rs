//! The raw tokio floor: the same work written directly on tokio, with nothing a framework adds.
//!
//! - A server is a task that owns an mpsc mailbox; a call carries a oneshot for the reply.
//! - A supervisor is a task that owns its children's join handles in a [`JoinSet`] and respawns
//!   a child whose task ends (a join-handle watcher), answering start and shutdown requests from
//!   its own mailbox.
//! - A name is a `watch` channel of the current incarnation's sender, so a name-bound client
//!   follows restarts (and waits for the next incarnation when the current one is gone).
//! - A health check is a task per child that pings on an interval, with a timeout, and tells the
//!   supervisor the outcome.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::{AbortHandle, Id, JoinSet};

use crate::{CRASH, Keep, warm_up};

/// A message to a floor server.
pub enum Msg {
    /// A call: answers the counter.
    Get(oneshot::Sender<u64>),
    /// A cast: adds one.
    Inc,
    /// A cast: panics.
    Crash,
    /// A health check's ping.
    Ping(oneshot::Sender<()>),
    /// An orderly stop.
    Stop,
}

/// The receiving half of either kind of mailbox.
trait Mailbox: Send + 'static {
    fn recv(&mut self) -> impl Future<Output = Option<Msg>> + Send;
}

impl Mailbox for mpsc::UnboundedReceiver<Msg> {
    fn recv(&mut self) -> impl Future<Output = Option<Msg>> + Send {
        mpsc::UnboundedReceiver::recv(self)
    }
}

impl Mailbox for mpsc::Receiver<Msg> {
    fn recv(&mut self) -> impl Future<Output = Option<Msg>> + Send {
        mpsc::Receiver::recv(self)
    }
}

/// The server: a counter. Tells `started` once its (empty) init has run.
async fn serve(mut rx: impl Mailbox, started: Option<oneshot::Sender<()>>) {
    let mut n = 0u64;
    if let Some(started) = started {
        let _ = started.send(());
    }
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Get(reply) => {
                let _ = reply.send(n);
            }
            Msg::Inc => n += 1,
            Msg::Crash => std::panic::panic_any(CRASH),
            Msg::Ping(reply) => {
                let _ = reply.send(());
            }
            Msg::Stop => return,
        }
    }
}

async fn get(tx: &mpsc::UnboundedSender<Msg>) -> Option<u64> {
    let (reply, rx) = oneshot::channel();
    tx.send(Msg::Get(reply)).ok()?;
    rx.await.ok()
}

/// Row 1: seconds per sequential call.
pub async fn call(n: usize) -> f64 {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(serve(rx, None));
    for _ in 0..warm_up(n) {
        get(&tx).await.expect("floor call");
    }
    let t = Instant::now();
    for _ in 0..n {
        get(&tx).await.expect("floor call");
    }
    t.elapsed().as_secs_f64() / n as f64
}

/// Row 2: seconds for `n` casts until all are handled, into an unbounded mailbox or one
/// bounded to `capacity` (the sender waiting for room).
pub async fn cast(n: usize, capacity: Option<usize>) -> Option<f64> {
    let t;
    let (tx, rx) = mpsc::unbounded_channel();
    match capacity {
        None => {
            tokio::spawn(serve(rx, None));
            t = Instant::now();
            for _ in 0..n {
                let _ = tx.send(Msg::Inc);
            }
        }
        Some(capacity) => {
            drop(rx);
            let (btx, brx) = mpsc::channel(capacity);
            tokio::spawn(serve(brx, None));
            t = Instant::now();
            for _ in 0..n {
                let _ = btx.send(Msg::Inc).await;
            }
            let (reply, rx) = oneshot::channel();
            let _ = btx.send(Msg::Get(reply)).await;
            assert_eq!(rx.await.ok(), Some(n as u64));
            return Some(t.elapsed().as_secs_f64());
        }
    }
    assert_eq!(get(&tx).await, Some(n as u64));
    Some(t.elapsed().as_secs_f64())
}

/// Row 2b: seconds for `producers` tasks to cast `n` messages in all (each its share) into one
/// server's unbounded mailbox, until all are handled.
pub async fn cast_producers(n: usize, producers: usize) -> f64 {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(serve(rx, None));
    let t = Instant::now();
    let tasks: Vec<_> = (0..producers)
        .map(|p| {
            let tx = tx.clone();
            let share = n / producers + usize::from(p < n % producers);
            tokio::spawn(async move {
                for _ in 0..share {
                    let _ = tx.send(Msg::Inc);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("producer");
    }
    assert_eq!(get(&tx).await, Some(n as u64));
    t.elapsed().as_secs_f64()
}

/// A bare server: a task and its channel, nothing watching it.
async fn spawn_bare() -> (mpsc::UnboundedSender<Msg>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (started, started_rx) = oneshot::channel();
    let task = tokio::spawn(serve(rx, Some(started)));
    let _ = started_rx.await;
    (tx, task)
}

/// Row 3, unsupervised: seconds per server to spawn `n` bare servers (task + channel, each
/// start waiting for its init), then per server to stop them one by one (a stop message, then
/// the task's end).
pub async fn start_stop_bare(n: usize) -> (f64, f64) {
    let mut servers = Vec::with_capacity(n);
    let t = Instant::now();
    for _ in 0..n {
        servers.push(spawn_bare().await);
    }
    let start = t.elapsed().as_secs_f64() / n as f64;
    let t = Instant::now();
    for (tx, task) in servers {
        let _ = tx.send(Msg::Stop);
        let _ = task.await;
    }
    (start, t.elapsed().as_secs_f64() / n as f64)
}

/// Row 4, unsupervised: `n` idle bare servers (task + channel), kept until dropped.
pub async fn idle_bare(n: usize) -> Keep {
    let mut servers = Vec::with_capacity(n);
    for _ in 0..n {
        servers.push(spawn_bare().await.0);
    }
    Box::new(servers)
}

/// Names: each is the watch channel of the sender of its current incarnation.
type Names = Arc<Mutex<HashMap<Arc<str>, watch::Sender<mpsc::UnboundedSender<Msg>>>>>;

/// A floor supervisor's mailbox.
enum SupMsg {
    Start(oneshot::Sender<mpsc::UnboundedSender<Msg>>),
    Health { id: Id, ok: bool },
    Shutdown(oneshot::Sender<()>),
}

struct Child {
    tx: mpsc::UnboundedSender<Msg>,
    abort: AbortHandle,
    name: Option<Arc<str>>,
    failures: u32,
    health: Option<AbortHandle>,
}

/// What a floor supervisor starts with.
#[derive(Clone, Default)]
struct SupConfig {
    /// Children started in order before the supervisor reports ready (each registered).
    named: Vec<Arc<str>>,
    names: Option<Names>,
    /// Health check interval (the timeout is the same).
    health: Option<Duration>,
}

struct Sup {
    set: JoinSet<()>,
    children: HashMap<Id, Child>,
    config: SupConfig,
    me: mpsc::WeakUnboundedSender<SupMsg>,
}

impl Sup {
    async fn start_child(&mut self, name: Option<Arc<str>>) -> mpsc::UnboundedSender<Msg> {
        let (tx, rx) = mpsc::unbounded_channel();
        let (started, started_rx) = oneshot::channel();
        let abort = self.set.spawn(serve(rx, Some(started)));
        let id = abort.id();
        if let (Some(name), Some(names)) = (&name, &self.config.names) {
            let mut names = names.lock().expect("names");
            match names.get(name) {
                Some(current) => {
                    current.send_replace(tx.clone());
                }
                None => {
                    names.insert(name.clone(), watch::channel(tx.clone()).0);
                }
            }
        }
        let _ = started_rx.await;
        let health = match (self.config.health, self.me.upgrade()) {
            (Some(interval), Some(me)) => {
                Some(tokio::spawn(health(tx.clone(), id, interval, me)).abort_handle())
            }
            _ => None,
        };
        self.children.insert(
            id,
            Child {
                tx: tx.clone(),
                abort,
                name,
                failures: 0,
                health,
            },
        );
        tx
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<SupMsg>, ready: oneshot::Sender<()>) {
        for name in std::mem::take(&mut self.config.named) {
            self.start_child(Some(name)).await;
        }
        let _ = ready.send(());
        enum Event {
            Msg(Option<SupMsg>),
            Exit(Id),
        }
        loop {
            let event = tokio::select! {
                msg = rx.recv() => Event::Msg(msg),
                Some(done) = self.set.join_next_with_id() => Event::Exit(match done {
                    Ok((id, ())) => id,
                    Err(e) => e.id(),
                }),
            };
            match event {
                Event::Msg(Some(SupMsg::Start(reply))) => {
                    let tx = self.start_child(None).await;
                    let _ = reply.send(tx);
                }
                Event::Msg(Some(SupMsg::Health { id, ok })) => {
                    if let Some(child) = self.children.get_mut(&id) {
                        child.failures = if ok { 0 } else { child.failures + 1 };
                        if child.failures >= 3 {
                            child.abort.abort();
                        }
                    }
                }
                Event::Msg(Some(SupMsg::Shutdown(reply))) => {
                    for child in self.children.values() {
                        if let Some(h) = &child.health {
                            h.abort();
                        }
                        let _ = child.tx.send(Msg::Stop);
                    }
                    while self.set.join_next().await.is_some() {}
                    let _ = reply.send(());
                    return;
                }
                Event::Msg(None) => return,
                Event::Exit(id) => {
                    // Permanent: respawn whatever ended.
                    if let Some(old) = self.children.remove(&id) {
                        if let Some(h) = old.health {
                            h.abort();
                        }
                        self.start_child(old.name).await;
                    }
                }
            }
        }
    }
}

/// A floor health check: ping every `interval`, wait as long for the pong, report.
async fn health(
    tx: mpsc::UnboundedSender<Msg>,
    id: Id,
    interval: Duration,
    sup: mpsc::UnboundedSender<SupMsg>,
) {
    loop {
        tokio::time::sleep(interval).await;
        let (reply, rx) = oneshot::channel();
        let ok = tx.send(Msg::Ping(reply)).is_ok()
            && matches!(tokio::time::timeout(interval, rx).await, Ok(Ok(())));
        if sup.send(SupMsg::Health { id, ok }).is_err() {
            return;
        }
    }
}

/// A handle to a running floor supervisor.
pub struct SupHandle {
    tx: mpsc::UnboundedSender<SupMsg>,
}

impl SupHandle {
    async fn start(config: SupConfig) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let sup = Sup {
            set: JoinSet::new(),
            children: HashMap::new(),
            config,
            me: tx.downgrade(),
        };
        let (ready, ready_rx) = oneshot::channel();
        tokio::spawn(sup.run(rx, ready));
        let _ = ready_rx.await;
        SupHandle { tx }
    }

    async fn start_child(&self) -> mpsc::UnboundedSender<Msg> {
        let (reply, rx) = oneshot::channel();
        let _ = self.tx.send(SupMsg::Start(reply));
        rx.await.expect("floor supervisor")
    }

    async fn shutdown(&self) {
        let (reply, rx) = oneshot::channel();
        let _ = self.tx.send(SupMsg::Shutdown(reply));
        let _ = rx.await;
    }
}

/// Row 3: seconds per child to start `n` children under a supervisor (each start waiting for
/// its init), then per child to shut them all down; with `health`, each child also gets its
/// health-check task, pinging at that interval.
pub async fn start_stop(n: usize, health: Option<Duration>) -> (f64, f64) {
    let sup = SupHandle::start(SupConfig {
        health,
        ..SupConfig::default()
    })
    .await;
    let t = Instant::now();
    for _ in 0..n {
        sup.start_child().await;
    }
    let start = t.elapsed().as_secs_f64() / n as f64;
    let t = Instant::now();
    sup.shutdown().await;
    (start, t.elapsed().as_secs_f64() / n as f64)
}

/// Row 4: `n` idle servers under a supervisor (with `health`, each with its health-check
/// task), kept until the returned value is dropped.
pub async fn idle(n: usize, health: Option<Duration>) -> Keep {
    let sup = SupHandle::start(SupConfig {
        health,
        ..SupConfig::default()
    })
    .await;
    for _ in 0..n {
        sup.start_child().await;
    }
    Box::new(sup)
}

/// Row 5: crash-to-first-answer latencies, in seconds, through a name-bound client.
pub async fn restart(n: usize) -> Vec<f64> {
    let names: Names = Names::default();
    let sup = SupHandle::start(SupConfig {
        named: vec!["w".into()],
        names: Some(names.clone()),
        health: None,
    })
    .await;
    let mut client = names.lock().expect("names")["w"].subscribe();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let _ = client.borrow_and_update().send(Msg::Crash);
        loop {
            let tx = client.borrow_and_update().clone();
            match get(&tx).await {
                Some(_) => break,
                // The old incarnation is gone: wait for the next one unless it is already here.
                None => {
                    if tx.is_closed() && !client.has_changed().unwrap_or(false) {
                        let _ = client.changed().await;
                    }
                }
            }
        }
        out.push(t.elapsed().as_secs_f64());
    }
    sup.shutdown().await;
    out
}

/// Row 6: seconds to start a tree of `groups` supervisors of `per_group` named servers each,
/// each start waiting for the children's inits; then seconds to shut it down.
pub async fn tree(groups: usize, per_group: usize) -> (f64, f64) {
    let names: Names = Names::default();
    let t = Instant::now();
    // The driver is the root: it starts the group supervisors in order and keeps them.
    let mut root = Vec::with_capacity(groups);
    for g in 0..groups {
        let named = (0..per_group)
            .map(|i| Arc::from(format!("w{g}.{i}")))
            .collect();
        root.push(
            SupHandle::start(SupConfig {
                named,
                names: Some(names.clone()),
                health: None,
            })
            .await,
        );
    }
    let elapsed = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for sup in &root {
        sup.shutdown().await;
    }
    (elapsed, t.elapsed().as_secs_f64())
}

/// Row 7: `n` idle servers health-checked every `interval`, kept until dropped.
pub async fn health_checked(n: usize, interval: Duration) -> Keep {
    idle(n, Some(interval)).await
}
