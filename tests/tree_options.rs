//! Every option of `supervision_tree!` has its effect at run time: restart types, strategies,
//! restart intensity, shutdown modes, health checks, backoff, and the options of dynamic
//! supervisors. The clock is tokio's paused one; lifecycle events are awaited, never slept on.

mod common;

use std::time::Duration;

use common::*;
use perennial::prelude::*;
use perennial::supervision_tree;
use perennial::supervisor::{ChildState, Event, EventStream, SupervisorError};
use tokio::time::Instant;

async fn exited(events: &mut EventStream, name: &str) -> ExitReason {
    match events
        .wait_for(|e| matches!(e, Event::Exited { child, .. } if &**child == name))
        .await
    {
        Some(Event::Exited { reason, .. }) => reason,
        other => panic!("`{name}` did not exit: {other:?}"),
    }
}

async fn restarted(events: &mut EventStream, name: &str) {
    events
        .wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == name))
        .await
        .unwrap_or_else(|| panic!("`{name}` was not restarted"));
}

fn stop(client: &perennial::Client<Probe>, reason: ExitReason) {
    client
        .cast(ProbeCast::Stop(reason))
        .expect("the probe takes the cast");
}

fn crash(client: &perennial::Client<Probe>) {
    client
        .cast(ProbeCast::Crash)
        .expect("the probe takes the cast");
}

#[tokio::test(start_paused = true)]
async fn restart_types_permanent_transient_and_temporary() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor(max_restarts = 10) {
            perm: Probe("perm", log.clone()) { health = off },
            trans: Probe("trans", log.clone()) { restart = transient, health = off },
            temp: Probe("temp", log.clone()) { restart = temporary, health = off },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    assert_eq!(log.take(), ["init perm", "init trans", "init temp"]);

    // A normal exit: the permanent child is restarted anyway (OTP's table)...
    stop(&app.perm, ExitReason::Normal);
    restarted(&mut events, "perm").await;
    // ...the transient one is kept, not running...
    stop(&app.trans, ExitReason::Normal);
    assert_eq!(exited(&mut events, "trans").await, ExitReason::Normal);
    assert_eq!(
        app.child_status("trans").await.unwrap().state,
        ChildState::NotRunning
    );
    // ...and the temporary one is removed.
    stop(&app.temp, ExitReason::Normal);
    exited(&mut events, "temp").await;
    assert_eq!(
        app.child_status("temp").await,
        Err(SupervisorError::NotFound("temp".into()))
    );
    assert_eq!(
        log.take(),
        [
            "terminate perm: normal",
            "init perm",
            "terminate trans: normal",
            "terminate temp: normal",
        ]
    );

    // A transient child is restarted after an abnormal exit.
    app.supervisor().restart_child("trans").await.unwrap();
    crash(&app.trans);
    restarted(&mut events, "trans").await;
    assert_eq!(app.restart_count("trans").await, Ok(1));
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_transient_task_that_ends_normally_is_not_restarted() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor {
            once: task(one_shot, "once", log.clone()) { restart = transient },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    while app.once.status().await.unwrap().state != ChildState::NotRunning {
        events.next().await;
    }
    assert_eq!(app.once.restart_count().await, Ok(0));
    assert_eq!(log.take(), ["run once"]);
    app.shutdown().await;
}

/// Three probes under `strategy`: crash `b`, and the log of what followed.
async fn crash_the_middle_one(strategy: &str) -> Vec<String> {
    let log = Log::default();
    macro_rules! abc {
        ($strategy:ident) => {
            supervision_tree! {
                app: supervisor(strategy = $strategy) {
                    a: Probe("a", log.clone()) { health = off },
                    b: Probe("b", log.clone()) { health = off },
                    c: Probe("c", log.clone()) { health = off },
                }
            }
            .start()
            .await
            .unwrap()
        };
    }
    // One tree per strategy (the strategy is a word of the tree, not a value).
    let (supervisor, b) = match strategy {
        "one_for_one" => {
            let app = abc!(one_for_one);
            (app.supervisor().clone(), app.b.clone())
        }
        "one_for_all" => {
            let app = abc!(one_for_all);
            (app.supervisor().clone(), app.b.clone())
        }
        _ => {
            let app = abc!(rest_for_one);
            (app.supervisor().clone(), app.b.clone())
        }
    };
    let mut events = supervisor.subscribe();
    log.take();
    crash(&b);
    restarted(&mut events, "b").await;
    let entries = log.take();
    supervisor.shutdown().await;
    entries
}

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_only_the_crashed_child() {
    assert_eq!(
        crash_the_middle_one("one_for_one").await,
        ["terminate b: panicked: b crashed", "init b"]
    );
}

#[tokio::test(start_paused = true)]
async fn one_for_all_restarts_every_child() {
    assert_eq!(
        crash_the_middle_one("one_for_all").await,
        [
            "terminate b: panicked: b crashed",
            "terminate c: shutdown",
            "terminate a: shutdown",
            "init a",
            "init b",
            "init c",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_the_crashed_child_and_those_after_it() {
    assert_eq!(
        crash_the_middle_one("rest_for_one").await,
        [
            "terminate b: panicked: b crashed",
            "terminate c: shutdown",
            "init b",
            "init c",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn one_restart_more_than_max_restarts_within_the_window_escalates() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor(max_restarts = 2, within = 10s) {
            a: Probe("a", log.clone()) { health = off },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    for _ in 0..2 {
        crash(&app.a);
        restarted(&mut events, "a").await;
    }
    // Once the window has passed, the earlier restarts no longer count.
    tokio::time::sleep(Duration::from_millis(10_001)).await;
    for _ in 0..2 {
        crash(&app.a);
        restarted(&mut events, "a").await;
    }
    assert!(!app.is_shutting_down());
    crash(&app.a);
    let reason = app.join().await;
    let ExitReason::Escalated(escalation) = &reason else {
        panic!("expected an escalation, got {reason}");
    };
    assert_eq!(&*escalation.supervisor, "app");
    assert_eq!(&*escalation.child, "a");
    assert!(matches!(
        events
            .wait_for(|e| matches!(e, Event::IntensityExceeded { .. }))
            .await,
        Some(Event::IntensityExceeded {
            max_restarts: 2,
            ..
        })
    ));
}

#[tokio::test(start_paused = true)]
async fn a_nested_supervisor_that_gives_up_is_restarted_by_its_parent() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor {
            inner: supervisor(max_restarts = 1, within = 5s) {
                w: Probe("w", log.clone()) { health = off },
            },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    crash(&app.inner.w);
    restarted(&mut events, "w").await;
    crash(&app.inner.w);
    // The second crash is one too many for `inner`; its parent restarts it, and `w` with it.
    restarted(&mut events, "inner").await;
    assert_eq!(app.restart_count("inner").await, Ok(1));
    // The name-bound client and handle follow the new incarnations.
    assert_eq!(app.inner.w.call(()).await, Ok("w"));
    assert_eq!(app.inner.restart_count("w").await, Ok(0));
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn brutal_kill_skips_terminate_and_a_timeout_kills_a_slow_child() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor {
            gentle: Probe("gentle", log.clone()) { health = off },
            slow: Probe("slow", log.clone()) { shutdown = 2s, health = off },
            brutal: Probe("brutal", log.clone()) { shutdown = brutal_kill, health = off },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    log.take();
    app.slow
        .cast(ProbeCast::Stall(Duration::from_secs(3600)))
        .ok()
        .unwrap();
    let started = Instant::now();
    assert_eq!(app.shutdown().await, ExitReason::Shutdown);
    // `slow` was given its 2 s, then killed; `brutal` was killed at once. Only `gentle`
    // ran `terminate`.
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(log.take(), ["terminate gentle: shutdown"]);
    assert_eq!(exited(&mut events, "brutal").await, ExitReason::Killed);
    assert_eq!(exited(&mut events, "slow").await, ExitReason::Killed);
}

#[tokio::test(start_paused = true)]
async fn shutdown_infinity_waits_for_the_child() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor {
            patient: Probe("patient", log.clone()) { shutdown = infinity, health = off },
        }
    }
    .start()
    .await
    .unwrap();
    app.patient
        .cast(ProbeCast::Stall(Duration::from_secs(600)))
        .ok()
        .unwrap();
    log.take();
    let started = Instant::now();
    app.shutdown().await;
    assert_eq!(started.elapsed(), Duration::from_secs(600));
    assert_eq!(log.take(), ["terminate patient: shutdown"]);
}

#[tokio::test(start_paused = true)]
async fn a_health_checked_child_is_restarted_after_missed_pongs() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor {
            checked: Probe("checked", log.clone()) {
                health = { interval = 10s, timeout = 2s, failures = 3 },
            },
            unchecked: Probe("unchecked", log.clone()) { health = off },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    log.take();
    let started = Instant::now();
    for probe in [&app.checked, &app.unchecked] {
        probe
            .cast(ProbeCast::Stall(Duration::from_secs(3600)))
            .ok()
            .unwrap();
    }
    let mut missed = Vec::new();
    let reason = loop {
        match events.next().await.unwrap() {
            Event::HealthFailed {
                child, consecutive, ..
            } if &*child == "checked" => missed.push(consecutive),
            Event::Exited { child, reason, .. } if &*child == "checked" => break reason,
            other => panic!("unexpected {other}"),
        }
    };
    assert_eq!(missed, [1, 2, 3]);
    assert_eq!(
        reason.to_string(),
        "error: health check failed: no pong within 2s, 3 times in a row"
    );
    // Three rounds of (interval + timeout).
    assert_eq!(started.elapsed(), Duration::from_secs(36));
    restarted(&mut events, "checked").await;
    // The stalled child without health checks is left alone.
    assert_eq!(app.restart_count("unchecked").await, Ok(0));
    assert_eq!(app.health("unchecked").await, Ok(None));
    assert_eq!(app.checked.call(()).await, Ok("checked"));
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn health_checks_are_on_by_default_with_the_runtime_settings() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor { probe: Probe("probe", log.clone()) }
    }
    .start()
    .await
    .unwrap();
    let health = app.health("probe").await.unwrap().expect("health-checked");
    assert!(health.enabled);
    let mut events = app.subscribe();
    app.probe
        .cast(ProbeCast::Stall(Duration::from_secs(3600)))
        .ok()
        .unwrap();
    let started = Instant::now();
    exited(&mut events, "probe").await;
    // The runtime's defaults: every 30 s, 5 s to answer, 3 misses.
    assert_eq!(started.elapsed(), Duration::from_secs(105));
    app.shutdown().await;
}

/// The delays before each of four restarts of a child that keeps crashing.
async fn restart_delays(app_crash: impl Fn(), events: &mut EventStream) -> Vec<Duration> {
    let mut delays = Vec::new();
    for _ in 0..4 {
        app_crash();
        exited(events, "a").await;
        let crashed = Instant::now();
        restarted(events, "a").await;
        delays.push(crashed.elapsed());
    }
    delays
}

#[tokio::test(start_paused = true)]
async fn backoff_delays_restarts_by_a_growing_amount() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor(max_restarts = 10, within = 1m) {
            a: Probe("a", log.clone()) { health = off, backoff = { initial = 1s, factor = 3, max = 5s } },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    let delays = restart_delays(|| crash(&app.a), &mut events).await;
    let secs = Duration::from_secs;
    assert_eq!(delays, [secs(1), secs(3), secs(5), secs(5)]);
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn backoff_on_starts_at_100ms_and_doubles() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor(max_restarts = 10, within = 1m) {
            a: Probe("a", log.clone()) { health = off, backoff = on },
            b: Probe("b", log.clone()) { health = off },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    let delays = restart_delays(|| crash(&app.a), &mut events).await;
    let millis = Duration::from_millis;
    assert_eq!(delays, [millis(100), millis(200), millis(400), millis(800)]);
    // Without backoff, a restart is immediate.
    crash(&app.b);
    exited(&mut events, "b").await;
    let crashed = Instant::now();
    restarted(&mut events, "b").await;
    assert_eq!(crashed.elapsed(), Duration::ZERO);
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_dynamic_supervisor_refuses_children_beyond_max_children() {
    let app = supervision_tree! {
        app: supervisor {
            jobs: dynamic_supervisor<Job>(max_children = 2),
        }
    }
    .start()
    .await
    .unwrap();
    let first = app.jobs.start_child(1).await.unwrap();
    let second = app.jobs.start_child(2).await.unwrap();
    assert_eq!(
        app.jobs.start_child(3).await.err(),
        Some(SupervisorError::MaxChildren(2))
    );
    assert_eq!(first.call(()).await, Ok(1));
    assert_eq!(second.call(()).await, Ok(2));
    assert_eq!(app.jobs.count_children().await.unwrap().active, 2);
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_options_of_a_dynamic_supervisors_children_apply_to_each() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor {
            temps: dynamic_supervisor<Probe>(children = { restart = temporary, health = off }),
            perms: dynamic_supervisor<Probe>(
                max_restarts = 1,
                within = 5s,
                children = { shutdown = brutal_kill, health = off },
            ),
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    let temp = app.temps.start_child(("temp", log.clone())).await.unwrap();
    temp.cast(ProbeCast::Crash).unwrap();
    assert_eq!(
        temp.wait_exit().await,
        ExitReason::Panic("temp crashed".into())
    );
    // Temporary: never restarted, removed.
    events
        .wait_for(|e| matches!(e, Event::Exited { supervisor, .. } if &**supervisor == "temps"))
        .await
        .unwrap();
    assert_eq!(app.temps.count_children().await.unwrap().specs, 0);

    // Permanent (the default) with an intensity of 1 in 5 s: the second crash escalates, and
    // `app` restarts `perms` (with no children: they were started at run time).
    let perm = app.perms.start_child(("perm", log.clone())).await.unwrap();
    perm.cast(ProbeCast::Crash).unwrap();
    let restarted_perm = loop {
        if let Some(current) = app.perms.child(perm.name().unwrap()).await.unwrap()
            && current.id() != perm.id()
        {
            break current;
        }
        events.next().await;
    };
    restarted_perm.cast(ProbeCast::Crash).unwrap();
    restarted(&mut events, "perms").await;
    assert_eq!(app.perms.count_children().await.unwrap().specs, 0);
    log.take();
    // brutal_kill: no terminate when the tree shuts down.
    app.perms
        .start_child(("killed", log.clone()))
        .await
        .unwrap();
    app.shutdown().await;
    assert_eq!(log.take(), ["init killed"]);
}

#[tokio::test(start_paused = true)]
async fn a_nested_supervisors_own_child_options_apply_to_it() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor {
            // Temporary: when it gives up, its parent removes it instead of restarting it.
            fragile: supervisor(max_restarts = 1, within = 5s, restart = temporary) {
                f: Probe("f", log.clone()) { health = off },
            },
            // Brutally killed on shutdown: its children go down with it, without terminate.
            killed: supervisor(shutdown = brutal_kill) {
                k: Probe("k", log.clone()) { health = off },
            },
            kept: Probe("kept", log.clone()) { health = off },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    crash(&app.fragile.f);
    restarted(&mut events, "f").await;
    crash(&app.fragile.f);
    let reason = exited(&mut events, "fragile").await;
    assert!(matches!(reason, ExitReason::Escalated(_)), "{reason}");
    assert_eq!(
        app.child_status("fragile").await,
        Err(SupervisorError::NotFound("fragile".into()))
    );
    assert!(!app.is_shutting_down());
    log.take();
    app.shutdown().await;
    assert_eq!(log.take(), ["terminate kept: shutdown"]);
}

#[tokio::test(start_paused = true)]
async fn the_app_ends_when_its_significant_main_job_ends() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor(auto_shutdown = any_significant) {
            helper: Probe("helper", log.clone()) { health = off },
            main: Probe("main", log.clone()) { restart = transient, significant = true, health = off },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    // A crash of the transient main job restarts it: it did not end for good.
    crash(&app.main);
    restarted(&mut events, "main").await;
    assert!(!app.is_shutting_down());
    log.take();
    // Its normal end shuts the app down, helper first stopped.
    stop(&app.main, ExitReason::Normal);
    assert_eq!(app.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(
        log.take(),
        ["terminate main: normal", "terminate helper: shutdown"]
    );
}

#[tokio::test(start_paused = true)]
async fn all_significant_waits_for_every_significant_child() {
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor(auto_shutdown = all_significant) {
            a: Probe("a", log.clone()) { restart = temporary, significant = true, health = off },
            b: Probe("b", log.clone()) { restart = transient, significant = true, health = off },
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    stop(&app.a, ExitReason::Normal);
    exited(&mut events, "a").await;
    assert!(!app.is_shutting_down());
    stop(&app.b, ExitReason::Normal);
    assert_eq!(app.wait_exit().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn children_join_their_groups_at_every_restart() {
    use perennial::Group;
    const POOL: Group<Probe> = Group::new("pool");
    let log = Log::default();
    let app = supervision_tree! {
        app: supervisor {
            a: Probe("a", log.clone()) { groups = [pool, everyone], health = off },
            b: Probe("b", log.clone()) { groups = [pool], health = off },
        }
    }
    .start()
    .await
    .unwrap();
    let registry = app.registry().clone();
    let ids = |members: Vec<perennial::ServerRef<Probe>>| {
        members.iter().map(|m| m.id()).collect::<Vec<_>>()
    };
    let (a, b) = (
        registry.lookup::<Probe>("a").unwrap(),
        registry.lookup::<Probe>("b").unwrap(),
    );
    assert_eq!(ids(registry.members(POOL)), [a.id(), b.id()]);
    let mut events = app.subscribe();
    crash(&app.a);
    restarted(&mut events, "a").await;
    // The new incarnation joined again; the old one is gone from every group.
    let again = registry.lookup::<Probe>("a").unwrap();
    assert_eq!(ids(registry.members(POOL)), [b.id(), again.id()]);
    assert_eq!(
        ids(registry.members(Group::<Probe>::new("everyone"))),
        [again.id()]
    );
    app.shutdown().await;
    assert!(registry.members(POOL).is_empty());
}
