//! Graceful shutdown on SIGTERM and SIGINT. Signals are process-wide, so this binary holds one
//! test that sends them to itself, after the handlers are installed.

mod support;

use perennial_runtime::ExitReason;
use perennial_runtime::supervisor::SupervisorSpec;
use support::worker::*;

fn send_to_self(signal: &str) {
    let status = std::process::Command::new("kill")
        .args(["-s", signal, &std::process::id().to_string()])
        .status()
        .expect("`kill` runs");
    assert!(status.success());
}

#[cfg(unix)]
#[tokio::test(start_paused = true)]
async fn a_signal_shuts_the_tree_down_in_reverse_order() {
    for signal in ["TERM", "INT"] {
        let log = Log::default();
        let sup = SupervisorSpec::new("app")
            .child(worker(&WorkerArgs::new("a", &log)))
            .child(worker(&WorkerArgs::new("b", &log)))
            .start()
            .await
            .unwrap();
        log.take();
        let stopped = sup.shutdown_on_signals().expect("handlers install");
        send_to_self(signal);
        assert_eq!(stopped.await, ExitReason::Shutdown, "SIG{signal}");
        assert_eq!(
            log.take(),
            ["terminate b: shutdown", "terminate a: shutdown"],
            "SIG{signal}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn without_a_signal_the_future_resolves_when_the_tree_ends_on_its_own() {
    let sup = SupervisorSpec::new("solo").start().await.unwrap();
    let stopped = sup.shutdown_on_signals().expect("handlers install");
    let other = sup.clone();
    tokio::spawn(async move { other.shutdown().await });
    assert_eq!(stopped.await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn the_lifespan_future_completes_when_the_tree_dies() {
    use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
    let sup = SupervisorSpec::new("app")
        .intensity(0, std::time::Duration::from_secs(5))
        .child(ChildSpec::task("t", || async {
            Err::<(), _>(std::io::Error::other("boom"))
        }))
        .start()
        .await
        .unwrap();
    // No trigger ever comes: only the tree's death ends the wait.
    assert!(sup.exit_or(std::future::pending::<()>()).await.is_none());
    assert!(matches!(
        sup.shutdown().await,
        perennial_runtime::ExitReason::Escalated(_)
    ));
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_guard_stops_the_tree_when_dropped_unless_disarmed() {
    use perennial_runtime::supervisor::SupervisorSpec;
    let sup = SupervisorSpec::new("app").start().await.unwrap();
    sup.shutdown_on_drop().disarm();
    assert!(!sup.is_shutting_down());
    drop(sup.shutdown_on_drop());
    assert!(sup.is_shutting_down());
    assert_eq!(
        sup.wait_exit().await,
        perennial_runtime::ExitReason::Shutdown
    );
}
