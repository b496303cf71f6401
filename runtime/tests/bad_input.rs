//! Bad input at run time: each misbehaviour gets a clear, typed error and takes nothing else
//! down. Every test runs next to a bystander (a sibling worker) and checks at the end that it is
//! the same incarnation, still answering, never restarted, and that the supervisor still
//! answers.

#[path = "model/fw.rs"]
mod fw;

use std::sync::atomic::Ordering;
use std::time::Duration;

use fw::{Fw, FwArgs, FwCall, Log};
use perennial_runtime::supervisor::{
    ChildSpec, EventStream, SupervisorError, SupervisorHandle, SupervisorSpec,
};
use perennial_runtime::{CallError, ExitReason, ProcessId};
use tokio::time::Instant;

fn fw(name: &str, log: &Log) -> ChildSpec {
    ChildSpec::server::<Fw>(name, FwArgs::new(name, log)).health(None)
}

fn fw_with(args: &FwArgs) -> ChildSpec {
    ChildSpec::server::<Fw>(args.name.clone(), args.clone()).health(None)
}

/// A supervisor with a bystander worker, and what the bystander looked like at the start.
struct Tree {
    sup: SupervisorHandle,
    bystander: ProcessId,
    events: EventStream,
}

async fn tree_with(log: &Log, children: Vec<ChildSpec>) -> Tree {
    fw::quiet_deliberate_panics();
    let mut spec = SupervisorSpec::new("sup")
        .intensity(10, Duration::from_secs(5))
        .child(fw("bystander", log));
    for c in children {
        spec = spec.child(c);
    }
    let sup = spec.start().await.expect("the tree starts");
    let bystander = sup.registry().lookup::<Fw>("bystander").unwrap().id();
    let events = sup.subscribe();
    Tree {
        sup,
        bystander,
        events,
    }
}

impl Tree {
    /// Nothing else was taken down: the bystander is the same incarnation, answers, was never
    /// restarted, and the supervisor answers.
    async fn assert_untouched(&self) {
        let b = self.sup.registry().lookup::<Fw>("bystander").unwrap();
        assert_eq!(b.id(), self.bystander, "the bystander was not replaced");
        assert_eq!(b.call(FwCall::Id).await, Ok(self.bystander));
        assert_eq!(self.sup.restart_count("bystander").await, Ok(0));
        assert!(!self.sup.is_shutting_down());
    }

    /// Shuts the tree down and checks that no task of it is left.
    async fn end(self) {
        assert_eq!(self.sup.shutdown().await, ExitReason::Shutdown);
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(self.sup.registry().names().is_empty());
        let alive = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks();
        assert_eq!(alive, 0, "no task of the tree outlives it");
    }
}

fn whats(log: &Log) -> Vec<String> {
    log.take()
        .into_iter()
        .map(|e| format!("{}: {}", e.who, e.what))
        .collect()
}

/// Found by this test: the supervisor gave up on the hung init after its start timeout but
/// left the task running, holding the child's name, so the child could never be started again
/// (and a task outlived the tree).
#[tokio::test(start_paused = true)]
async fn a_child_whose_init_never_returns_times_out_and_frees_its_name() {
    let log = Log::new();
    let mut t = tree_with(&log, vec![]).await;
    log.take();
    let args = FwArgs::new("h", &log);
    args.hanging_inits.store(1, Ordering::SeqCst);
    let started = Instant::now();
    let err = t.sup.start_child(fw_with(&args)).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::from_secs(60));
    assert_eq!(
        err.to_string(),
        "child `h` failed to start: init did not finish within 60s"
    );
    assert!(
        t.sup.registry().lookup::<Fw>("h").is_err(),
        "the name is free"
    );
    assert!(t.events.try_next().is_none());
    t.sup.start_child(fw_with(&args)).await.unwrap();
    assert_eq!(whats(&log), ["h: init hangs", "h: init"]);
    t.assert_untouched().await;
    t.end().await;
}

/// Found by this test: a handle bound to a nested supervisor's name waited forever (its
/// timeout was `Duration::MAX`) once that supervisor was stopped for good.
#[tokio::test(start_paused = true)]
async fn a_nested_handle_to_a_stopped_supervisor_does_not_hang() {
    let log = Log::new();
    let inner = SupervisorSpec::new("inner").child(fw("deep", &log));
    let t = tree_with(&log, vec![ChildSpec::supervisor(inner)]).await;
    let nested = t.sup.nested("inner");
    assert_eq!(nested.which_children().await.unwrap().len(), 1);
    t.sup.terminate_child("inner").await.unwrap();
    let asked = Instant::now();
    let err = nested.which_children().await.unwrap_err();
    assert!(
        matches!(&err, SupervisorError::NotRunning(CallError::NotRunning { name: Some(n) }) if &**n == "inner"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the supervisor is not running: server `inner` is not running"
    );
    assert_eq!(asked.elapsed(), perennial_runtime::DEFAULT_CALL_TIMEOUT);
    // Back once it is restarted.
    t.sup.restart_child("inner").await.unwrap();
    assert_eq!(nested.which_children().await.unwrap().len(), 1);
    t.assert_untouched().await;
    t.end().await;
}
