//! perennial: a server written with `#[gen_server]` and called through its generated client
//! (row 1), the runtime API by hand for the rest ([`Client<S>`], the type generated clients
//! wrap; [`DynamicSpec`] and [`SupervisorSpec`] trees), and the same tree from
//! `supervision_tree!` and by hand (row 6).

use std::convert::Infallible;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use perennial_runtime::supervisor::{ChildSpec, DynamicSpec, HealthCheck, SupervisorSpec};
use perennial_runtime::{Client, Context, ExitReason, GenServer, Registry, ReplyTo};

use crate::{CRASH, Keep, warm_up};

/// The benchmark server: a counter.
pub struct Worker {
    n: u64,
}

/// Its call.
pub enum Call {
    /// Answers the counter.
    Get,
}

/// Its casts.
pub enum Cast {
    /// Adds one.
    Inc,
    /// Panics.
    Crash,
}

impl GenServer for Worker {
    type Args = ();
    type Call = Call;
    type Reply = u64;
    type Cast = Cast;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Worker { n: 0 })
    }

    async fn handle_call(&mut self, call: Call, _: &mut Context<Self>) -> u64 {
        match call {
            Call::Get => self.n,
        }
    }

    async fn handle_cast(&mut self, cast: Cast, _: &mut Context<Self>) {
        match cast {
            Cast::Inc => self.n += 1,
            Cast::Crash => std::panic::panic_any(CRASH),
        }
    }
}

/// The benchmark server again, written with `#[gen_server]`: the macro generates its messages,
/// its `GenServer` impl and `MWorkerClient`.
pub struct MWorker {
    n: u64,
}

#[perennial::gen_server]
impl MWorker {
    fn init() -> Self {
        MWorker { n: 0 }
    }

    /// Answers the counter.
    #[call]
    fn get(&self) -> u64 {
        self.n
    }

    /// Answers the counter through a reply token (a reply given later, here at once): what
    /// deferring a reply costs over returning it.
    #[call]
    fn get_later(&self, reply: ReplyTo<u64>) {
        reply.reply(self.n);
    }
}

/// Row 1: seconds per sequential call through the generated client.
pub async fn call_generated(n: usize) -> f64 {
    let client = MWorker::start_client().await.expect("start");
    for _ in 0..warm_up(n) {
        client.get().await.expect("call");
    }
    let t = Instant::now();
    for _ in 0..n {
        client.get().await.expect("call");
    }
    t.elapsed().as_secs_f64() / n as f64
}

/// Row 1 again, through a client bound to the server's name (a `NamedRef`; the server is
/// registered, not supervised): seconds per sequential call.
pub async fn call_named(n: usize) -> f64 {
    let registry = Registry::new();
    let server = MWorker::builder()
        .register(&registry, "w")
        .start(())
        .await
        .expect("start");
    let client = MWorkerClient::from(registry.named::<MWorker>("w"));
    for _ in 0..warm_up(n) {
        client.get().await.expect("call");
    }
    let t = Instant::now();
    for _ in 0..n {
        client.get().await.expect("call");
    }
    let per_call = t.elapsed().as_secs_f64() / n as f64;
    let _ = server.stop(ExitReason::Shutdown).await;
    per_call
}

/// Row 1 again, through the generated client, to a handler that takes the reply token and
/// answers through it: seconds per sequential call.
pub async fn call_deferred(n: usize) -> f64 {
    let client = MWorker::start_client().await.expect("start");
    for _ in 0..warm_up(n) {
        client.get_later().await.expect("call");
    }
    let t = Instant::now();
    for _ in 0..n {
        client.get_later().await.expect("call");
    }
    t.elapsed().as_secs_f64() / n as f64
}

/// Row 1 again, to a supervised child through the client a `supervision_tree!` gives out (bound
/// to the child's name, so it follows restarts): seconds per sequential call.
pub async fn call_supervised(n: usize) -> f64 {
    let app = perennial::supervision_tree! {
        app: supervisor {
            worker: MWorker { health = off },
        }
    }
    .start()
    .await
    .expect("start");
    for _ in 0..warm_up(n) {
        app.worker.get().await.expect("call");
    }
    let t = Instant::now();
    for _ in 0..n {
        app.worker.get().await.expect("call");
    }
    let per_call = t.elapsed().as_secs_f64() / n as f64;
    app.shutdown().await;
    per_call
}

/// Row 1 again, through the runtime's `Client<S>` of the hand-written server (what a generated
/// client wraps): seconds per sequential call.
pub async fn call(n: usize) -> f64 {
    let client = Client::from(Worker::start(()).await.expect("start"));
    for _ in 0..warm_up(n) {
        client.call(Call::Get).await.expect("call");
    }
    let t = Instant::now();
    for _ in 0..n {
        client.call(Call::Get).await.expect("call");
    }
    t.elapsed().as_secs_f64() / n as f64
}

/// Row 2: seconds for `n` casts until all are handled. Unbounded: `Client::cast`; bounded:
/// `ServerRef::cast_wait`, which waits for room.
pub async fn cast(n: usize, capacity: Option<usize>) -> Option<f64> {
    let builder = Worker::builder();
    let builder = match capacity.and_then(NonZeroUsize::new) {
        Some(c) => builder.bounded_mailbox(c),
        None => builder,
    };
    let server = builder.start(()).await.expect("start");
    let client = Client::from(server.clone());
    let t = Instant::now();
    if capacity.is_some() {
        for _ in 0..n {
            let _ = server.cast_wait(Cast::Inc).await;
        }
    } else {
        for _ in 0..n {
            let _ = client.cast(Cast::Inc);
        }
    }
    assert_eq!(client.call(Call::Get).await.ok(), Some(n as u64));
    Some(t.elapsed().as_secs_f64())
}

/// Row 2b: seconds for `producers` tasks to cast `n` messages in all (each its share) into one
/// server's unbounded mailbox through clones of its client, until all are handled.
pub async fn cast_producers(n: usize, producers: usize) -> f64 {
    let client = Client::from(Worker::start(()).await.expect("start"));
    let t = Instant::now();
    let tasks: Vec<_> = (0..producers)
        .map(|p| {
            let client = client.clone();
            let share = n / producers + usize::from(p < n % producers);
            tokio::spawn(async move {
                for _ in 0..share {
                    let _ = client.cast(Cast::Inc);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("producer");
    }
    assert_eq!(client.call(Call::Get).await.ok(), Some(n as u64));
    t.elapsed().as_secs_f64()
}

/// A dynamic supervisor of `Worker`s: health checks off, or on with their defaults.
fn dynamic(health: bool) -> DynamicSpec<Worker> {
    let spec = DynamicSpec::<Worker>::new("dyn");
    if health { spec } else { spec.health(None) }
}

/// Row 3: seconds per child to start `n` children under a dynamic supervisor, then per child
/// to shut it down; `health`: with the default health checks (on unless turned off).
pub async fn start_stop(n: usize, health: bool) -> (f64, f64) {
    let sup = dynamic(health).start().await.expect("supervisor");
    let t = Instant::now();
    for _ in 0..n {
        sup.start_child(()).await.expect("child");
    }
    let start = t.elapsed().as_secs_f64() / n as f64;
    let t = Instant::now();
    sup.shutdown().await;
    (start, t.elapsed().as_secs_f64() / n as f64)
}

/// Row 3, unsupervised: seconds per server to start `n` servers (each waiting for its init),
/// then per server to stop them one by one.
pub async fn start_stop_bare(n: usize) -> (f64, f64) {
    let mut servers = Vec::with_capacity(n);
    let t = Instant::now();
    for _ in 0..n {
        servers.push(Worker::start(()).await.expect("start"));
    }
    let start = t.elapsed().as_secs_f64() / n as f64;
    let t = Instant::now();
    for server in servers {
        let _ = server.stop(ExitReason::Shutdown).await;
    }
    (start, t.elapsed().as_secs_f64() / n as f64)
}

/// Row 4, unsupervised: `n` idle servers, kept until dropped.
pub async fn idle_bare(n: usize) -> Keep {
    let mut servers = Vec::with_capacity(n);
    for _ in 0..n {
        servers.push(Worker::start(()).await.expect("start"));
    }
    Box::new(servers)
}

/// Row 4: `n` idle servers under a dynamic supervisor (`health`: with the default health
/// checks), kept until dropped.
pub async fn idle(n: usize, health: bool) -> Keep {
    let sup = dynamic(health).start().await.expect("supervisor");
    for _ in 0..n {
        sup.start_child(()).await.expect("child");
    }
    Box::new(sup)
}

/// Row 5: crash-to-first-answer latencies, in seconds, through a name-bound `Client`.
pub async fn restart(n: usize) -> Vec<f64> {
    let registry = Registry::new();
    let sup = SupervisorSpec::new("sup")
        .intensity(u32::MAX, Duration::from_millis(1))
        .child(ChildSpec::server::<Worker>("w", ()).health(None))
        .start_in(&registry)
        .await
        .expect("supervisor");
    let client = Client::from(registry.named::<Worker>("w"));
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let _ = client.cast(Cast::Crash);
        // A call that reached the old incarnation fails with its exit; the next one waits for
        // the new incarnation to take the name.
        while client.call(Call::Get).await.is_err() {}
        out.push(t.elapsed().as_secs_f64());
    }
    sup.shutdown().await;
    out
}

/// Row 6 by hand: a root supervisor of `groups` supervisors of `per_group` named servers
/// each, built with the runtime API. Returns the seconds until the start returns, and those
/// until its shutdown returns.
pub async fn tree(groups: usize, per_group: usize) -> (f64, f64) {
    let t = Instant::now();
    let sup = tree_spec(groups, per_group).start().await.expect("tree");
    let elapsed = t.elapsed().as_secs_f64();
    let t = Instant::now();
    sup.shutdown().await;
    (elapsed, t.elapsed().as_secs_f64())
}

/// The hand-written spec of row 6's tree: the same names, servers and options as
/// [`macro_tree::MacroTree`] (health checks off).
fn tree_spec(groups: usize, per_group: usize) -> SupervisorSpec {
    let mut root = SupervisorSpec::new("root");
    for g in 0..groups {
        let mut group = SupervisorSpec::new(format!("g{g}"));
        for i in 0..per_group {
            group = group.child(ChildSpec::server::<MWorker>(format!("w{g}_{i}"), ()).health(None));
        }
        root = root.child(ChildSpec::supervisor(group));
    }
    root
}

/// Row 6's tree declared with `supervision_tree!` (generated by build.rs, at its shape).
pub mod macro_tree {
    use super::MWorker;
    use perennial::supervision_tree;

    include!(concat!(env!("OUT_DIR"), "/macro_tree.rs"));
}

/// Row 6, the macro against the hand-written API at the macro tree's shape: the seconds until
/// each start returns, `(supervision_tree!, by hand)`, the two interleaved in the order given.
pub async fn tree_macro_and_hand(macro_first: bool) -> (f64, f64) {
    let by_macro = async {
        let t = Instant::now();
        let tree = macro_tree::MacroTree::start().await.expect("macro tree");
        let elapsed = t.elapsed().as_secs_f64();
        tree.shutdown().await;
        elapsed
    };
    let by_hand = async { tree(macro_tree::GROUPS, macro_tree::PER_GROUP).await.0 };
    if macro_first {
        let m = by_macro.await;
        (m, by_hand.await)
    } else {
        let h = by_hand.await;
        (by_macro.await, h)
    }
}

/// Row 7: `n` idle servers health-checked every `interval` (timeout the same), kept until
/// dropped.
pub async fn health_checked(n: usize, interval: Duration) -> Keep {
    let sup = DynamicSpec::<Worker>::new("dyn")
        .health(Some(HealthCheck {
            interval,
            timeout: interval,
            failures: 3,
        }))
        .start()
        .await
        .expect("supervisor");
    for _ in 0..n {
        sup.start_child(()).await.expect("child");
    }
    Box::new(sup)
}
