//! kameo, through its idiomatic API: `Actor` + `Message<M>` handlers, `ask`/`tell`, children
//! started with `supervise(..).spawn()` under a supervisor actor (kameo restarts them itself,
//! keeping their mailbox, so a child's `ActorRef` follows its restarts), and the local registry
//! for names.
//!
//! Default mailboxes are kameo's default (bounded, 64); the cast rows choose explicitly.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kameo::actor::{Actor, ActorRef, Spawn};
use kameo::error::Infallible;
use kameo::mailbox;
use kameo::message::{Context, Message};

use crate::{CRASH, Keep, warm_up};

/// The benchmark actor: a counter.
#[derive(Clone, Default)]
pub struct Worker {
    n: u64,
}

impl Actor for Worker {
    type Args = Self;
    type Error = Infallible;

    async fn on_start(state: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(state)
    }
}

/// A call: answers the counter.
pub struct Get;
/// A cast: adds one.
pub struct Inc;
/// A cast: panics.
pub struct Crash;
/// A health check's ping.
pub struct Ping;

impl Message<Get> for Worker {
    type Reply = u64;
    async fn handle(&mut self, _: Get, _: &mut Context<Self, u64>) -> u64 {
        self.n
    }
}

impl Message<Inc> for Worker {
    type Reply = ();
    async fn handle(&mut self, _: Inc, _: &mut Context<Self, ()>) {
        self.n += 1;
    }
}

impl Message<Crash> for Worker {
    type Reply = ();
    async fn handle(&mut self, _: Crash, _: &mut Context<Self, ()>) {
        std::panic::panic_any(CRASH)
    }
}

impl Message<Ping> for Worker {
    type Reply = ();
    async fn handle(&mut self, _: Ping, _: &mut Context<Self, ()>) {}
}

/// A supervisor actor: starts its children in `on_start` (kameo restarts them).
#[derive(Clone)]
pub struct Sup {
    failures: u64,
}

/// What a supervisor starts with.
#[derive(Clone)]
pub enum SupArgs {
    /// No children yet.
    Empty,
    /// Workers registered under these names, started in order.
    Workers(Arc<[String]>),
    /// Supervisors of registered workers, `per_group` each, started in order.
    Groups {
        /// The number of group supervisors.
        groups: usize,
        /// Workers per group.
        per_group: usize,
    },
}

impl Actor for Sup {
    type Args = SupArgs;
    type Error = Infallible;

    async fn on_start(args: SupArgs, me: ActorRef<Self>) -> Result<Self, Infallible> {
        match &args {
            SupArgs::Empty => {}
            SupArgs::Workers(names) => {
                for name in names.iter() {
                    let child = Worker::supervise(&me, Worker::default()).spawn().await;
                    child.wait_for_startup().await;
                    let _ = child.register(name.clone());
                }
            }
            &SupArgs::Groups { groups, per_group } => {
                for g in 0..groups {
                    let names = (0..per_group).map(|i| format!("w{g}.{i}")).collect();
                    let group = Sup::supervise(&me, SupArgs::Workers(names)).spawn().await;
                    group.wait_for_startup().await;
                }
            }
        }
        Ok(Sup { failures: 0 })
    }
}

/// A health check's outcome, told to the supervisor.
pub struct Health(bool);

impl Message<Health> for Sup {
    type Reply = ();
    async fn handle(&mut self, Health(ok): Health, _: &mut Context<Self, ()>) {
        if !ok {
            self.failures += 1;
        }
    }
}

async fn supervisor(args: SupArgs) -> ActorRef<Sup> {
    let sup = Sup::spawn(args);
    sup.wait_for_startup().await;
    sup
}

async fn stop<A: Actor>(actor: &ActorRef<A>) {
    let _ = actor.stop_gracefully().await;
    actor.wait_for_shutdown().await;
}

/// Row 1: seconds per sequential `ask`.
pub async fn call(n: usize) -> f64 {
    let actor = Worker::spawn(Worker::default());
    for _ in 0..warm_up(n) {
        actor.ask(Get).await.expect("ask");
    }
    let t = Instant::now();
    for _ in 0..n {
        actor.ask(Get).await.expect("ask");
    }
    let elapsed = t.elapsed().as_secs_f64() / n as f64;
    stop(&actor).await;
    elapsed
}

/// Row 2: seconds for `n` tells until all are handled, into an unbounded mailbox or one bounded
/// to `capacity` (the sender waiting for room).
pub async fn cast(n: usize, capacity: Option<usize>) -> Option<f64> {
    let mailbox = match capacity {
        Some(c) => mailbox::bounded(c),
        None => mailbox::unbounded(),
    };
    let actor = Worker::spawn_with_mailbox(Worker::default(), mailbox);
    actor.wait_for_startup().await;
    let t = Instant::now();
    for _ in 0..n {
        let _ = actor.tell(Inc).await;
    }
    assert_eq!(actor.ask(Get).await.ok(), Some(n as u64));
    let elapsed = t.elapsed().as_secs_f64();
    stop(&actor).await;
    Some(elapsed)
}

async fn start_child(sup: &ActorRef<Sup>) -> ActorRef<Worker> {
    let child = Worker::supervise(sup, Worker::default()).spawn().await;
    child.wait_for_startup().await;
    child
}

/// Row 3: seconds per child to start `n` supervised children (each waited for until started),
/// then per child to stop the supervisor, which stops them.
pub async fn start_stop(n: usize) -> (f64, f64) {
    let sup = supervisor(SupArgs::Empty).await;
    let t = Instant::now();
    for _ in 0..n {
        start_child(&sup).await;
    }
    let start = t.elapsed().as_secs_f64() / n as f64;
    let t = Instant::now();
    stop(&sup).await;
    (start, t.elapsed().as_secs_f64() / n as f64)
}

/// Row 4: `n` idle supervised actors, kept until dropped.
pub async fn idle(n: usize) -> Keep {
    let sup = supervisor(SupArgs::Empty).await;
    for _ in 0..n {
        start_child(&sup).await;
    }
    Box::new(sup)
}

/// Row 5: crash-to-first-answer latencies, in seconds. A supervised child's `ActorRef` keeps
/// its mailbox across restarts, so it is kameo's name-bound reference.
pub async fn restart(n: usize) -> Vec<f64> {
    let sup = supervisor(SupArgs::Empty).await;
    let child = Worker::supervise(&sup, Worker::default())
        .restart_limit(u32::MAX, Duration::from_millis(1))
        .spawn()
        .await;
    child.wait_for_startup().await;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let _ = child.tell(Crash).await;
        while child.ask(Get).await.is_err() {}
        out.push(t.elapsed().as_secs_f64());
    }
    stop(&sup).await;
    out
}

/// Row 6: seconds to start a root supervisor of `groups` supervisors of `per_group` registered
/// workers each, then seconds to stop it (with its children).
pub async fn tree(groups: usize, per_group: usize) -> (f64, f64) {
    let t = Instant::now();
    let root = supervisor(SupArgs::Groups { groups, per_group }).await;
    let elapsed = t.elapsed().as_secs_f64();
    let t = Instant::now();
    // The registry holds strong references and is global: empty it before stopping.
    if let Ok(mut registry) = kameo::registry::ACTOR_REGISTRY.lock() {
        registry.clear();
    }
    stop(&root).await;
    (elapsed, t.elapsed().as_secs_f64())
}

/// Row 7: `n` idle supervised actors, each asked for a ping by a task every `interval` (with
/// that timeout) that tells the supervisor the outcome; kept until dropped.
pub async fn health_checked(n: usize, interval: Duration) -> Keep {
    let sup = supervisor(SupArgs::Empty).await;
    for _ in 0..n {
        let child = start_child(&sup).await;
        let sup = sup.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                let ok = child.ask(Ping).reply_timeout(interval).await.is_ok();
                if sup.tell(Health(ok)).await.is_err() {
                    return;
                }
            }
        });
    }
    Box::new(sup)
}
