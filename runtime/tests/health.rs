//! Health checks: missed pongs in a row restart a child; one pong resets the count.

mod support;

use std::time::Duration;

use perennial_runtime::ExitReason;
use perennial_runtime::supervisor::{ChildSpec, Event, HealthCheck, SupervisorSpec};
use support::worker::*;
use tokio::time::Instant;

const CHECK: HealthCheck = HealthCheck {
    interval: Duration::from_secs(10),
    timeout: Duration::from_secs(2),
    failures: 3,
};

async fn checked(log: &Log) -> perennial_runtime::supervisor::SupervisorHandle {
    SupervisorSpec::new("sup")
        .child(worker(&WorkerArgs::new("w", log)).health(Some(CHECK)))
        .start()
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_child_that_stops_answering_is_killed_and_restarted() {
    let log = Log::default();
    let sup = checked(&log).await;
    let mut events = sup.subscribe();
    let started = Instant::now();
    let w = sup.registry().lookup::<Worker>("w").unwrap();
    w.cast(WCast::Stall(Duration::from_secs(3600))).unwrap();
    let mut missed = Vec::new();
    let exit = loop {
        match events.next().await.unwrap() {
            Event::HealthFailed { consecutive, .. } => missed.push(consecutive),
            Event::Exited { reason, .. } => break reason,
            other => panic!("unexpected {other}"),
        }
    };
    assert_eq!(missed, [1, 2, 3]);
    assert_eq!(
        exit.to_string(),
        "error: health check failed: no pong within 2s, 3 times in a row"
    );
    // Three rounds of (interval + timeout).
    assert_eq!(started.elapsed(), Duration::from_secs(36));
    events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    assert_eq!(sup.restart_count("w").await, Ok(1));
    let health = sup.health("w").await.unwrap().unwrap();
    assert_eq!(health.consecutive_failures, 0);
    assert!(health.enabled);
    // Killed, not stopped: terminate did not run.
    assert_eq!(log.take(), ["init w", "init w"]);
}

#[tokio::test(start_paused = true)]
async fn one_pong_resets_the_count_and_is_reported_as_recovery() {
    let log = Log::default();
    let sup = checked(&log).await;
    let mut events = sup.subscribe();
    let w = sup.registry().lookup::<Worker>("w").unwrap();
    // Busy through two checks (at 10 s and 22 s), free by the third (at 34 s).
    w.cast(WCast::Stall(Duration::from_secs(25))).unwrap();
    let mut seen = Vec::new();
    while seen.len() < 3 {
        match events.next().await.unwrap() {
            Event::HealthFailed { consecutive, .. } => seen.push(format!("failed {consecutive}")),
            Event::HealthRecovered { .. } => seen.push("recovered".into()),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(seen, ["failed 1", "failed 2", "recovered"]);
    let health = sup.health("w").await.unwrap().unwrap();
    assert_eq!(health.consecutive_failures, 0);
    assert!(health.last_check.is_some());
    // Wall-clock time too (the paused clock only pauses tokio's): now or a moment ago.
    let at = health
        .last_check_at
        .expect("a wall-clock time of the last check");
    assert!(std::time::SystemTime::now().duration_since(at).unwrap() < Duration::from_secs(60));
    assert_eq!(sup.restart_count("w").await, Ok(0));
}

#[tokio::test(start_paused = true)]
async fn a_busy_child_that_answers_within_the_timeout_is_healthy() {
    let log = Log::default();
    let sup = checked(&log).await;
    let mut events = sup.subscribe();
    let w = sup.registry().lookup::<Worker>("w").unwrap();
    // Busy when the first ping arrives at 10 s, answering at 11 s: inside the 2 s timeout.
    tokio::time::sleep(Duration::from_secs(9)).await;
    w.cast(WCast::Stall(Duration::from_secs(2))).unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(
        events.try_next().is_none(),
        "no health event for a late-but-in-time pong"
    );
    let health = sup.health("w").await.unwrap().unwrap();
    assert_eq!(health.consecutive_failures, 0);
}

#[tokio::test(start_paused = true)]
async fn health_kills_count_in_the_restart_intensity() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .intensity(0, Duration::from_secs(60))
        .child(
            worker(&WorkerArgs::new("w", &log)).health(Some(HealthCheck {
                failures: 1,
                ..CHECK
            })),
        )
        .start()
        .await
        .unwrap();
    let w = sup.registry().lookup::<Worker>("w").unwrap();
    w.cast(WCast::Stall(Duration::from_secs(3600))).unwrap();
    assert!(matches!(sup.wait_exit().await, ExitReason::Escalated(_)));
}

#[tokio::test(start_paused = true)]
async fn gen_servers_are_health_checked_by_default_and_tasks_are_not() {
    let log = Log::default();
    let sup = SupervisorSpec::new("sup")
        .child(ChildSpec::server::<Worker>("w", WorkerArgs::new("w", &log)))
        .child(ChildSpec::task("t", std::future::pending::<()>))
        .start()
        .await
        .unwrap();
    let w = sup.child_status("w").await.unwrap().health.unwrap();
    assert_eq!(
        (
            w.enabled,
            w.consecutive_failures,
            w.last_check,
            w.last_check_at
        ),
        (true, 0, None, None)
    );
    assert_eq!(sup.health("t").await, Ok(None));
    // The default interval is 30 s.
    tokio::time::sleep(Duration::from_secs(31)).await;
    assert!(sup.health("w").await.unwrap().unwrap().last_check.is_some());
}
