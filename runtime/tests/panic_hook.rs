//! `quiet_caught_panics` keeps the panics perennial catches off the previous hook, and hands it
//! every other one. ONE test in this file: a panic hook is global to the process.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use perennial_runtime::panics;
use perennial_runtime::supervisor::{ChildSpec, Event, SupervisorSpec};
use support::worker::*;

#[tokio::test(start_paused = true)]
async fn only_the_panics_perennial_catches_are_kept_quiet() {
    let reported = Arc::new(AtomicU32::new(0));
    let r = reported.clone();
    std::panic::set_hook(Box::new(move |_| {
        r.fetch_add(1, Ordering::SeqCst);
    }));
    panics::quiet_caught_panics();

    let log = Log::default();
    let panicked = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let app = SupervisorSpec::new("app")
        .child(worker(&WorkerArgs::new("w", &log)))
        .child(ChildSpec::task("t", move || {
            let first = !panicked.swap(true, Ordering::SeqCst);
            async move {
                if first {
                    panic!("task bug");
                }
                std::future::pending::<()>().await
            }
        }))
        .start()
        .await
        .unwrap();
    let mut events = app.subscribe();
    app.registry()
        .lookup::<Worker>("w")
        .unwrap()
        .cast(WCast::Panic)
        .unwrap();
    events
        .wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == "w"))
        .await
        .unwrap();
    // `t` panicked during the start, long before `w` was back.
    assert_eq!(app.restart_count("t").await, Ok(1));
    assert_eq!(
        reported.load(Ordering::SeqCst),
        0,
        "caught panics stay quiet"
    );

    // A panic of the application's own (a thread, a plain tokio task) reaches the old hook.
    let _ = std::thread::spawn(|| panic!("the application's own bug")).join();
    assert_eq!(reported.load(Ordering::SeqCst), 1);
    let _ = tokio::spawn(async { panic!("a plain task's bug") }).await;
    assert_eq!(reported.load(Ordering::SeqCst), 2);
    app.shutdown().await;
}
