//! Counterexamples the model-based property test (`model.rs`) found, kept as regression tests:
//! each once as a focused test written against the API, and where useful as the shrunk case
//! run through the model's harness.

#[path = "support/fw.rs"]
mod fw;
#[path = "model/harness.rs"]
mod harness;
#[path = "model/sim.rs"]
mod sim;
#[path = "model/spec.rs"]
mod spec;

use std::time::Duration;

use fw::{Fw, FwArgs, FwCast, Log};
use perennial_runtime::ExitReason;
use perennial_runtime::supervisor::{
    Backoff, ChildSpec, ChildState, Event, Shutdown, SupervisorSpec,
};

const HOUR: Duration = Duration::from_secs(3600);

fn fw(name: &str, log: &Log) -> ChildSpec {
    ChildSpec::server::<Fw>(name, FwArgs::new(name, log)).health(None)
}

/// Counterexample 1. A supervisor stopped with a timeout is killed when the timeout passes;
/// the child it was stopping at that moment (one that ignores its stop) was left running, an
/// orphan holding its name, so restarting the supervisor failed with "already registered"
/// (and after the tree's end a task of it stayed alive).
#[tokio::test(start_paused = true)]
async fn a_supervisor_killed_mid_stop_takes_the_child_it_was_stopping_with_it() {
    fw::quiet_deliberate_panics();
    let log = Log::new();
    let inner = SupervisorSpec::new("inner").child(fw("w", &log).shutdown(Shutdown::Infinity));
    let root = SupervisorSpec::new("root")
        .child(ChildSpec::supervisor(inner).shutdown(Shutdown::Timeout(Duration::from_secs(1))))
        .start()
        .await
        .unwrap();
    let w = root.registry().lookup::<Fw>("w").unwrap();
    w.cast(FwCast::Stall(HOUR)).unwrap();

    root.terminate_child("inner").await.unwrap();
    let exit = tokio::time::timeout(Duration::from_secs(1), w.wait_exit()).await;
    assert_eq!(exit, Ok(ExitReason::Killed), "killed with its supervisor");
    assert!(root.registry().lookup::<Fw>("w").is_err());
    root.restart_child("inner").await.unwrap();
    assert!(root.registry().lookup::<Fw>("w").unwrap().is_alive());

    root.shutdown().await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    let alive = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert_eq!(alive, 0, "no task of the tree outlives it");
    assert_eq!(
        log.take()
            .iter()
            .map(|e| e.what.as_str())
            .collect::<Vec<_>>(),
        ["init", "init", "terminate: shutdown"],
        "the orphan never ran terminate: it was killed"
    );
}

/// Counterexample 1 as the model's harness runs it: the hung worker, its supervisor stopped
/// with a timeout (killed), restarted, and the tree shut down.
#[test]
fn model_case_a_supervisor_killed_mid_stop() {
    use perennial_runtime::supervisor::{Restart, Strategy};
    use spec::{Action, Fault, S, Stop, W, step};
    let tree = S::new(
        0,
        Strategy::OneForOne,
        3,
        5_000,
        vec![
            S::new(
                1,
                Strategy::OneForOne,
                3,
                5_000,
                vec![W::node(2, Restart::Permanent, Stop::Infinity)],
            )
            .child(Restart::Permanent, Stop::Timeout(1_000)),
        ],
    );
    let steps = [
        step(Action::Fault(2, Fault::Hang(spec::FOREVER)), 1),
        step(Action::Terminate(1), 1),
        step(Action::Restart(1), 1),
    ];
    harness::run_case(&tree, &steps).unwrap();
}

/// Counterexample 2 (once the model knew backoff). A restart delayed by a backoff waits in a
/// timer task; a supervisor that ended during the delay (shut down, or given up) left that task
/// behind, alive until the delay ran out.
#[tokio::test(start_paused = true)]
async fn a_pending_backoff_retry_does_not_outlive_its_supervisor() {
    fw::quiet_deliberate_panics();
    let log = Log::new();
    let half_a_minute = Duration::from_secs(30);
    let sup = SupervisorSpec::new("sup")
        .child(fw("w", &log).backoff(Backoff {
            initial: half_a_minute,
            factor: 1.0,
            max: half_a_minute,
        }))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    let w = sup.registry().lookup::<Fw>("w").unwrap();
    w.cast(FwCast::Panic).unwrap();
    events
        .wait_for(|e| matches!(e, Event::Exited { .. }))
        .await
        .unwrap();
    assert_eq!(
        sup.child_status("w").await.unwrap().state,
        ChildState::Restarting
    );
    sup.shutdown().await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    let alive = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert_eq!(alive, 0, "the retry's timer went with its supervisor");
}

/// Counterexample 2 as the model's harness runs it: the shrunk case.
#[test]
fn model_case_a_pending_backoff_retry() {
    use perennial_runtime::supervisor::{Restart, Strategy};
    use spec::{Action, Backoff, Fault, Health, Node, S, Stop, W, step};
    let w = Node::W(W {
        id: 0,
        restart: Restart::Permanent,
        stop: Stop::Brutal,
        health: Some(Health {
            interval: 3_130,
            timeout: 1_450,
            failures: 2,
        }),
        backoff: Some(Backoff {
            initial: 843,
            factor: 1.0,
            max: 843,
        }),
        init_failures: 0,
        significant: false,
        init_ignores: 0,
    });
    let inner = S::new(2, Strategy::OneForOne, 1, 1, vec![w]);
    let tree = S::new(
        0,
        Strategy::OneForOne,
        0,
        1,
        vec![inner.child(Restart::Permanent, Stop::Brutal)],
    );
    let steps = [step(Action::Fault(0, Fault::Hang(100)), 1)];
    harness::run_case(&tree, &steps).unwrap();
}
