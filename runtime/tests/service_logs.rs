//! Logs that fit a service: one ERROR per crash, INFO per restart, an escalation's cause logged
//! once where it happens, a WARN the first time a permanent task ends normally.
//!
//! ONE test in this file, for the reason given in `tracing.rs` (callsite interest is cached
//! process-wide).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use perennial_runtime::ExitReason;
use perennial_runtime::supervisor::{ChildSpec, Event, Restart, SupervisorSpec};
use support::recorder::{Rec, Recorder};
use support::worker::*;
use tracing::Level;

#[tokio::test(start_paused = true)]
async fn a_cascade_is_logged_once_per_fact() {
    let recorder = Arc::new(Recorder::default());
    let _guard = tracing::subscriber::set_default(Rec(recorder.clone()));

    // Three levels: `app` (no restarts allowed) > `db` (one restart) > the worker `w`.
    let log = Log::default();
    let app = SupervisorSpec::new("app")
        .intensity(0, Duration::from_secs(5))
        .child(ChildSpec::supervisor(
            SupervisorSpec::new("db")
                .intensity(1, Duration::from_secs(5))
                .child(worker(&WorkerArgs::new("w", &log))),
        ))
        .start()
        .await
        .unwrap();
    let mut events = app.subscribe();
    for _ in 0..2 {
        app.registry()
            .lookup::<Worker>("w")
            .unwrap()
            .cast(WCast::Panic)
            .unwrap();
        events
            .wait_for(|e| matches!(e, Event::Exited { child, .. } if &**child == "w"))
            .await
            .unwrap();
    }
    let reason = app.wait_exit().await;
    assert!(matches!(reason, ExitReason::Escalated(_)), "{reason}");

    let logged = recorder.events.lock().unwrap().clone();
    let message =
        |l: &support::recorder::Logged| l.fields.get("message").cloned().unwrap_or_default();
    let errors: Vec<String> = logged
        .iter()
        .filter(|l| l.level == Level::ERROR)
        .map(message)
        .collect();
    // Two crashes of `w`, `db` giving up, `app` giving up: four ERROR lines, no more.
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_eq!(errors.iter().filter(|m| *m == "server exited").count(), 2);
    assert_eq!(
        errors[2],
        "supervisor `db` reached its restart intensity (1 restart within 5s) after `w` exited: \
         panicked: w crashed; stopping all its children"
    );
    assert_eq!(
        errors[3],
        "supervisor `app` reached its restart intensity (0 restarts within 5s) after `db` gave \
         up; stopping all its children"
    );
    // One INFO for the one restart.
    let restarts: Vec<String> = logged
        .iter()
        .filter(|l| l.level == Level::INFO && message(l).starts_with("restarted"))
        .map(message)
        .collect();
    assert_eq!(restarts, ["restarted `w` (#4, restart 1)"]);
    // The cause is in no message (at INFO or above) but `db`'s, however deep the cascade.
    let with_cause = logged
        .iter()
        .filter(|l| l.level <= Level::INFO) // INFO, WARN, ERROR
        .filter(|l| message(l).contains("w crashed"))
        .count();
    assert_eq!(with_cause, 1);
    // The nested supervisor's span is its child span, not that and its own again.
    let db_gave_up = logged
        .iter()
        .find(|l| message(l).starts_with("supervisor `db` reached"))
        .unwrap();
    assert_eq!(db_gave_up.spans, ["supervisor=app", "child=db"]);

    // A permanent task that ends normally: restarted, as OTP does, and warned about once.
    recorder.events.lock().unwrap().clear();
    let runs = Arc::new(AtomicU32::new(0));
    let r = runs.clone();
    let (third_run, mut third_run_started) = tokio::sync::mpsc::unbounded_channel();
    let jobs = SupervisorSpec::new("jobs")
        .intensity(10, Duration::from_secs(5))
        .child(
            ChildSpec::task("migrate", move || {
                let run = r.fetch_add(1, Ordering::SeqCst);
                let third_run = third_run.clone();
                async move {
                    if run >= 2 {
                        let _ = third_run.send(());
                        std::future::pending::<()>().await;
                    }
                }
            })
            .restart(Restart::Permanent),
        )
        .start()
        .await
        .unwrap();
    // Ended normally twice, restarted twice, running the third time.
    third_run_started.recv().await.unwrap();
    assert_eq!(jobs.restart_count("migrate").await, Ok(2));
    let warnings: Vec<String> = recorder
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.level == Level::WARN)
        .map(message)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].contains("permanent task `migrate` ended normally")
            && warnings[0].contains("restart = transient"),
        "{}",
        warnings[0]
    );
    jobs.shutdown().await;
}
