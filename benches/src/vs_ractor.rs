//! ractor, through its idiomatic API: `Actor` with `pre_start`/`handle`, `call!`/`cast`,
//! `spawn_linked` under a supervisor actor whose `handle_supervisor_evt` respawns a failed child,
//! and the global name registry (`where_is`) for name-bound calls.
//!
//! ractor's mailboxes are unbounded only, so the bounded cast row is not applicable.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ractor::{Actor, ActorCell, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort};
use ractor::{SupervisionEvent, call};

use crate::{CRASH, Keep, warm_up};

/// The benchmark actor: a counter.
pub struct Worker;

/// Its messages.
pub enum Msg {
    /// A call: answers the counter.
    Get(RpcReplyPort<u64>),
    /// A cast: adds one.
    Inc,
    /// A cast: panics.
    Crash,
    /// A health check's ping.
    Ping(RpcReplyPort<()>),
}

impl Actor for Worker {
    type Msg = Msg;
    type State = u64;
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<Msg>, _: ()) -> Result<u64, ActorProcessingErr> {
        Ok(0)
    }

    async fn handle(
        &self,
        _: ActorRef<Msg>,
        msg: Msg,
        n: &mut u64,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            Msg::Get(reply) => {
                let _ = reply.send(*n);
            }
            Msg::Inc => *n += 1,
            Msg::Crash => std::panic::panic_any(CRASH),
            Msg::Ping(reply) => {
                let _ = reply.send(());
            }
        }
        Ok(())
    }
}

/// A supervisor actor: starts its named children in `pre_start`, respawns a failed child under
/// the same name, and records health-check outcomes.
pub struct Sup;

/// What a supervisor starts with.
pub enum SupArgs {
    /// No children yet.
    Empty,
    /// Named workers, started in order.
    Workers(Vec<String>),
    /// Supervisors of named workers, `per_group` each, started in order.
    Groups {
        /// The number of group supervisors.
        groups: usize,
        /// Workers per group.
        per_group: usize,
        /// A prefix that keeps names unique across repetitions (the registry is global).
        prefix: u64,
    },
}

/// A supervisor's messages.
pub enum SupMsg {
    /// A health check's outcome.
    Health(ActorId, bool),
}

impl Actor for Sup {
    type Msg = SupMsg;
    type State = HashMap<ActorId, u32>;
    type Arguments = SupArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<SupMsg>,
        args: SupArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        match args {
            SupArgs::Empty => {}
            SupArgs::Workers(names) => {
                for name in names {
                    Worker::spawn_linked(Some(name), Worker, (), myself.get_cell()).await?;
                }
            }
            SupArgs::Groups {
                groups,
                per_group,
                prefix,
            } => {
                for g in 0..groups {
                    let names = (0..per_group)
                        .map(|i| format!("r{prefix}.w{g}.{i}"))
                        .collect();
                    Sup::spawn_linked(
                        Some(format!("r{prefix}.g{g}")),
                        Sup,
                        SupArgs::Workers(names),
                        myself.get_cell(),
                    )
                    .await?;
                }
            }
        }
        Ok(HashMap::new())
    }

    async fn handle(
        &self,
        _: ActorRef<SupMsg>,
        msg: SupMsg,
        failures: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            SupMsg::Health(id, ok) => {
                let count = failures.entry(id).or_default();
                *count = if ok { 0 } else { *count + 1 };
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<SupMsg>,
        event: SupervisionEvent,
        _: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        if let SupervisionEvent::ActorFailed(cell, _) = event {
            Worker::spawn_linked(cell.get_name(), Worker, (), myself.get_cell()).await?;
        }
        Ok(())
    }
}

async fn stop(cell: &ActorCell) {
    cell.stop_children_and_wait(None, None).await;
    let _ = cell.stop_and_wait(None, None).await;
}

/// Row 1: seconds per sequential call.
pub async fn call(n: usize) -> f64 {
    let (actor, _) = Actor::spawn(None, Worker, ()).await.expect("spawn");
    for _ in 0..warm_up(n) {
        call!(actor, Msg::Get).expect("call");
    }
    let t = Instant::now();
    for _ in 0..n {
        call!(actor, Msg::Get).expect("call");
    }
    let elapsed = t.elapsed().as_secs_f64() / n as f64;
    stop(&actor.get_cell()).await;
    elapsed
}

/// Row 2: seconds for `n` casts until all are handled (unbounded only).
pub async fn cast(n: usize, capacity: Option<usize>) -> Option<f64> {
    if capacity.is_some() {
        return None;
    }
    let (actor, _) = Actor::spawn(None, Worker, ()).await.expect("spawn");
    let t = Instant::now();
    for _ in 0..n {
        let _ = actor.cast(Msg::Inc);
    }
    assert_eq!(call!(actor, Msg::Get).ok(), Some(n as u64));
    let elapsed = t.elapsed().as_secs_f64();
    stop(&actor.get_cell()).await;
    Some(elapsed)
}

async fn supervisor(args: SupArgs) -> ActorRef<SupMsg> {
    Actor::spawn(None, Sup, args).await.expect("supervisor").0
}

/// Row 3: seconds per child to start `n` linked children (each `spawn_linked` returns after
/// `pre_start`), then per child to stop them all.
pub async fn start_stop(n: usize) -> (f64, f64) {
    let sup = supervisor(SupArgs::Empty).await;
    let t = Instant::now();
    for _ in 0..n {
        Worker::spawn_linked(None, Worker, (), sup.get_cell())
            .await
            .expect("child");
    }
    let start = t.elapsed().as_secs_f64() / n as f64;
    let t = Instant::now();
    stop(&sup.get_cell()).await;
    (start, t.elapsed().as_secs_f64() / n as f64)
}

/// Row 4: `n` idle actors linked to a supervisor, kept until dropped.
pub async fn idle(n: usize) -> Keep {
    let sup = supervisor(SupArgs::Empty).await;
    for _ in 0..n {
        Worker::spawn_linked(None, Worker, (), sup.get_cell())
            .await
            .expect("child");
    }
    Box::new(sup)
}

static NEXT_PREFIX: AtomicU64 = AtomicU64::new(0);

/// Row 5: crash-to-first-answer latencies, in seconds, calling through the name registry.
/// ractor has no wait for a name to come back: after a failed call the client waits for the old
/// incarnation to finish dying (`ActorCell::wait`), then polls `where_is`, yielding.
pub async fn restart(n: usize) -> Vec<f64> {
    let name = format!("r{}.w", NEXT_PREFIX.fetch_add(1, Ordering::Relaxed));
    let sup = supervisor(SupArgs::Workers(vec![name.clone()])).await;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        if let Some(actor) = ActorRef::<Msg>::where_is(&name) {
            let _ = actor.cast(Msg::Crash);
        }
        loop {
            match ActorRef::<Msg>::where_is(&name) {
                Some(actor) => {
                    if call!(actor, Msg::Get).is_ok() {
                        break;
                    }
                    // The old incarnation, still registered while it dies: wait for its end.
                    let _ = actor.get_cell().wait(None).await;
                }
                // Between the unregistration and the respawn: let the supervisor run.
                None => tokio::task::yield_now().await,
            }
        }
        out.push(t.elapsed().as_secs_f64());
    }
    stop(&sup.get_cell()).await;
    out
}

/// Row 6: seconds to start a root supervisor of `groups` supervisors of `per_group` named
/// workers each, then seconds to stop it (with its children).
pub async fn tree(groups: usize, per_group: usize) -> (f64, f64) {
    let prefix = NEXT_PREFIX.fetch_add(1, Ordering::Relaxed);
    let t = Instant::now();
    let root = supervisor(SupArgs::Groups {
        groups,
        per_group,
        prefix,
    })
    .await;
    let elapsed = t.elapsed().as_secs_f64();
    let t = Instant::now();
    // ractor does not stop a supervisor's children with it: stop the groups' children first.
    for group in root.get_children() {
        stop(&group).await;
    }
    stop(&root.get_cell()).await;
    (elapsed, t.elapsed().as_secs_f64())
}

/// Row 7: `n` idle actors linked to a supervisor, each pinged by a task every `interval` (with
/// that timeout) that reports the outcome to the supervisor; kept until dropped.
pub async fn health_checked(n: usize, interval: Duration) -> Keep {
    let sup = supervisor(SupArgs::Empty).await;
    for _ in 0..n {
        let (actor, _) = Worker::spawn_linked(None, Worker, (), sup.get_cell())
            .await
            .expect("child");
        let sup = sup.clone();
        tokio::spawn(async move {
            let id = actor.get_id();
            loop {
                tokio::time::sleep(interval).await;
                let ok = matches!(
                    actor.call(Msg::Ping, Some(interval)).await,
                    Ok(ractor::rpc::CallResult::Success(()))
                );
                if sup.cast(SupMsg::Health(id, ok)).is_err() {
                    return;
                }
            }
        });
    }
    Box::new(sup)
}
