//! Significant children and `auto_shutdown` (OTP 24): a supervisor shuts down when its
//! significant children end by themselves, not when it stops them.

mod support;

use perennial_runtime::supervisor::{
    AutoShutdown, ChildSpec, ChildState, DynamicSpec, Event, EventStream, Restart, Strategy,
    SupervisorError, SupervisorHandle, SupervisorSpec, SupervisorStartError,
};
use perennial_runtime::{CallError, ExitReason};
use support::worker::{Log, WCall, WCast, Worker, WorkerArgs, worker};

fn cast(sup: &SupervisorHandle, name: &str, cast: WCast) {
    sup.registry()
        .lookup::<Worker>(name)
        .unwrap()
        .cast(cast)
        .unwrap();
}

async fn exited(events: &mut EventStream, child: &str) -> ExitReason {
    match events
        .wait_for(|e| matches!(e, Event::Exited { child: c, .. } if &**c == child))
        .await
    {
        Some(Event::Exited { reason, .. }) => reason,
        other => panic!("no exit of `{child}`: {other:?}"),
    }
}

/// `main` (significant, `restart`) next to `helper` (permanent, not significant).
async fn app(auto_shutdown: AutoShutdown, restart: Restart, log: &Log) -> SupervisorHandle {
    SupervisorSpec::new("app")
        .auto_shutdown(auto_shutdown)
        .child(worker(&WorkerArgs::new("helper", log)))
        .child(
            worker(&WorkerArgs::new("main", log))
                .restart(restart)
                .significant(true),
        )
        .start()
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn any_significant_shuts_down_when_the_main_job_ends() {
    let log = Log::default();
    let sup = app(AutoShutdown::AnySignificant, Restart::Transient, &log).await;
    let mut events = sup.subscribe();
    log.take();
    cast(&sup, "main", WCast::Stop(ExitReason::Normal));
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
    assert_eq!(
        log.take(),
        ["terminate main: normal", "terminate helper: shutdown"]
    );
    let mut seen = Vec::new();
    // Every event is published before the supervisor's exit is visible.
    while let Some(event) = events.try_next() {
        seen.push(event.to_string());
    }
    assert_eq!(
        seen,
        [
            "`main` exited: normal",
            "significant child `main` ended; supervisor `app` shuts down (auto_shutdown = \
             any_significant)",
            "`helper` exited: shutdown",
            "supervisor `app` shut down: shutdown",
        ]
    );
    // Nobody will bring the names back.
    assert_eq!(
        sup.registry()
            .named::<Worker>("helper")
            .call(WCall::Name)
            .await,
        Err(CallError::NotRunning {
            name: Some("helper".into())
        })
    );
}

#[tokio::test(start_paused = true)]
async fn a_significant_transient_child_that_crashes_is_restarted_not_counted() {
    let log = Log::default();
    let sup = app(AutoShutdown::AnySignificant, Restart::Transient, &log).await;
    let mut events = sup.subscribe();
    cast(&sup, "main", WCast::Panic);
    events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    assert!(!sup.is_shutting_down());
    assert_eq!(sup.restart_count("main").await, Ok(1));
}

#[tokio::test(start_paused = true)]
async fn a_significant_temporary_child_counts_whatever_its_exit() {
    let log = Log::default();
    let sup = app(AutoShutdown::AnySignificant, Restart::Temporary, &log).await;
    cast(&sup, "main", WCast::Panic);
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn all_significant_waits_for_the_last_one() {
    let log = Log::default();
    let sup = SupervisorSpec::new("app")
        .auto_shutdown(AutoShutdown::AllSignificant)
        .child(worker(&WorkerArgs::new("helper", &log)))
        .child(
            worker(&WorkerArgs::new("a", &log))
                .restart(Restart::Transient)
                .significant(true),
        )
        .child(
            worker(&WorkerArgs::new("b", &log))
                .restart(Restart::Temporary)
                .significant(true),
        )
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    cast(&sup, "a", WCast::Stop(ExitReason::Normal));
    exited(&mut events, "a").await;
    // `b` still runs: the supervisor carries on.
    assert_eq!(
        sup.child_status("a").await.unwrap().state,
        ChildState::NotRunning
    );
    assert!(!sup.is_shutting_down());
    cast(&sup, "b", WCast::Stop(ExitReason::Normal));
    assert_eq!(sup.wait_exit().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn terminate_child_of_a_significant_child_does_not_count() {
    for auto_shutdown in [AutoShutdown::AnySignificant, AutoShutdown::AllSignificant] {
        let log = Log::default();
        let sup = app(auto_shutdown, Restart::Transient, &log).await;
        sup.terminate_child("main").await.unwrap();
        assert!(!sup.is_shutting_down(), "{auto_shutdown}");
        assert_eq!(sup.count_children().await.unwrap().active, 1);
        // Started again by hand, it counts again when it ends by itself.
        sup.restart_child("main").await.unwrap();
        cast(&sup, "main", WCast::Stop(ExitReason::Normal));
        assert_eq!(
            sup.wait_exit().await,
            ExitReason::Shutdown,
            "{auto_shutdown}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_significant_bystander_of_a_restart_does_not_count() {
    for strategy in [Strategy::OneForAll, Strategy::RestForOne] {
        let log = Log::default();
        let sup = SupervisorSpec::new("app")
            .strategy(strategy)
            .auto_shutdown(AutoShutdown::AnySignificant)
            .child(worker(&WorkerArgs::new("first", &log)))
            .child(
                worker(&WorkerArgs::new("transient", &log))
                    .restart(Restart::Transient)
                    .significant(true),
            )
            .child(
                worker(&WorkerArgs::new("temporary", &log))
                    .restart(Restart::Temporary)
                    .significant(true),
            )
            .start()
            .await
            .unwrap();
        let mut events = sup.subscribe();
        cast(&sup, "first", WCast::Panic);
        events
            .wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == "transient"))
            .await
            .unwrap();
        // The temporary bystander was removed, the transient one restarted; neither counts.
        assert!(!sup.is_shutting_down(), "{strategy}");
        let names: Vec<_> = sup
            .which_children()
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name.to_string())
            .collect();
        assert_eq!(names, ["first", "transient"], "{strategy}");
        assert!(sup.shutdown().await == ExitReason::Shutdown);
    }
}

#[tokio::test(start_paused = true)]
async fn a_transient_sub_supervisor_that_shut_itself_down_stays_down() {
    let log = Log::default();
    let job = SupervisorSpec::new("job")
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(
            worker(&WorkerArgs::new("work", &log))
                .restart(Restart::Transient)
                .significant(true),
        );
    let root = SupervisorSpec::new("root")
        .child(worker(&WorkerArgs::new("web", &log)))
        .child(ChildSpec::supervisor(job).restart(Restart::Transient))
        .start()
        .await
        .unwrap();
    let mut events = root.subscribe();
    cast(&root, "work", WCast::Stop(ExitReason::Normal));
    assert_eq!(exited(&mut events, "job").await, ExitReason::Shutdown);
    let job = root.child_status("job").await.unwrap();
    assert_eq!((job.state, job.restarts), (ChildState::NotRunning, 0));
    assert!(!root.is_shutting_down());
}

#[tokio::test(start_paused = true)]
async fn significant_flags_that_otp_refuses_are_refused() {
    let log = Log::default();
    let refused = |err: SupervisorStartError, flag: &str, text: &str| match &err {
        SupervisorStartError::InvalidSpec { flag: f, .. } if *f == flag => {
            assert!(err.to_string().contains(text), "{err}");
        }
        _ => panic!("expected an invalid `{flag}`, got {err:?}"),
    };
    // A permanent child may not be significant.
    let err = SupervisorSpec::new("app")
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(worker(&WorkerArgs::new("main", &log)).significant(true))
        .start()
        .await
        .unwrap_err();
    refused(err, "significant", "child `main` is permanent");
    // A significant child needs a supervisor that shuts down for it.
    let err = SupervisorSpec::new("app")
        .child(
            worker(&WorkerArgs::new("main", &log))
                .restart(Restart::Transient)
                .significant(true),
        )
        .start()
        .await
        .unwrap_err();
    refused(err, "significant", "`auto_shutdown` is `never`");
    // A dynamic supervisor does not shut down on its children's exits.
    let err = DynamicSpec::<Worker>::new("pool")
        .supervisor_spec()
        .auto_shutdown(AutoShutdown::AllSignificant)
        .start()
        .await
        .unwrap_err();
    refused(err, "auto_shutdown", "dynamic supervisor");
    assert!(log.take().is_empty(), "nothing started");

    // start_child refuses a permanent significant child too, and keeps nothing of it.
    let sup = app(AutoShutdown::AnySignificant, Restart::Transient, &log).await;
    let err = sup
        .start_child(worker(&WorkerArgs::new("late", &log)).significant(true))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupervisorError::StartFailed { child, .. } if &**child == "late"),
        "{err:?}"
    );
    assert_eq!(sup.count_children().await.unwrap().specs, 2);
}
