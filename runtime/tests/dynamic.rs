//! Dynamic supervisors: children of one type started at run time.

mod support;

use std::time::Duration;

use perennial_runtime::ExitReason;
use perennial_runtime::supervisor::{
    ChildSpec, DynamicSpec, Event, Restart, Shutdown, SupervisorError, SupervisorSpec,
};
use support::worker::*;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn children_start_at_run_time_up_to_max_children() {
    let log = Log::default();
    let jobs = DynamicSpec::<Worker>::new("jobs")
        .max_children(2)
        .health(None)
        .start()
        .await
        .unwrap();
    let one = jobs
        .start_child(WorkerArgs::new("one", &log))
        .await
        .unwrap();
    let two = jobs
        .start_child(WorkerArgs::new("two", &log))
        .await
        .unwrap();
    assert_eq!(one.call(WCall::Name).await, Ok("one"));
    assert_eq!(two.name(), Some("jobs#2"));
    assert_eq!(
        jobs.start_child(WorkerArgs::new("three", &log))
            .await
            .unwrap_err(),
        SupervisorError::MaxChildren(2)
    );
    let counts = jobs.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active, counts.workers), (2, 2, 2));
    // Dynamic children are not registered by name.
    assert_eq!(
        jobs.registry().names(),
        ["jobs".into()] as [std::sync::Arc<str>; 1]
    );
}

#[tokio::test(start_paused = true)]
async fn a_crashed_child_is_restarted_with_the_same_args() {
    let log = Log::default();
    let jobs = DynamicSpec::<Worker>::new("jobs")
        .health(None)
        .start()
        .await
        .unwrap();
    let mut events = jobs.subscribe();
    let job = jobs
        .start_child(WorkerArgs::new("job", &log))
        .await
        .unwrap();
    job.cast(WCast::Panic).unwrap();
    events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    let again = jobs.child("jobs#1").await.unwrap().unwrap();
    assert_ne!(again.id(), job.id());
    assert_eq!(again.call(WCall::Name).await, Ok("job"));
    assert_eq!(
        log.take(),
        [
            "init job",
            "terminate job: panicked: job crashed",
            "init job"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn children_that_end_for_good_are_removed() {
    let log = Log::default();
    let jobs = DynamicSpec::<Worker>::new("jobs")
        .restart(Restart::Transient)
        .health(None)
        .start()
        .await
        .unwrap();
    let mut events = jobs.subscribe();
    let job = jobs
        .start_child(WorkerArgs::new("job", &log))
        .await
        .unwrap();
    job.cast(WCast::Stop(ExitReason::Normal)).unwrap();
    events
        .wait_for(|e| matches!(e, Event::Exited { .. }))
        .await
        .unwrap();
    assert_eq!(jobs.count_children().await.unwrap().specs, 0);
    assert_eq!(
        jobs.child("jobs#1").await,
        Err(SupervisorError::NotFound("jobs#1".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn children_are_found_by_their_exact_name_after_siblings_leave() {
    let log = Log::default();
    let jobs = DynamicSpec::<Worker>::new("jobs")
        .health(None)
        .start()
        .await
        .unwrap();
    let mut events = jobs.subscribe();
    let mut started = Vec::new();
    for name in ["a", "b", "c", "d"] {
        started.push(jobs.start_child(WorkerArgs::new(name, &log)).await.unwrap());
    }
    jobs.terminate_child("jobs#2").await.unwrap();
    for gone in [
        "jobs#2", "jobs#5", "jobs#03", "jobs#", "jobs", "other#3", "jobs#3x",
    ] {
        assert_eq!(
            jobs.child(gone).await,
            Err(SupervisorError::NotFound(gone.into())),
            "{gone}"
        );
    }
    let c = jobs.child("jobs#3").await.unwrap().unwrap();
    assert_eq!(c.call(WCall::Name).await, Ok("c"));
    // A crash after an earlier sibling left still restarts the right child.
    started[3].cast(WCast::Panic).unwrap();
    let restarted = events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    assert!(
        matches!(&restarted, Event::Restarted { child, .. } if &**child == "jobs#4"),
        "{restarted:?}"
    );
    let d = jobs.child("jobs#4").await.unwrap().unwrap();
    assert_ne!(d.id(), started[3].id());
    assert_eq!(d.call(WCall::Name).await, Ok("d"));
    assert_eq!(jobs.count_children().await.unwrap().active, 3);
}

#[tokio::test(start_paused = true)]
async fn a_pool_whose_children_come_and_go_keeps_its_table_in_start_order() {
    let log = Log::default();
    let jobs = DynamicSpec::<Worker>::new("jobs")
        .max_children(200)
        .restart(Restart::Transient)
        .health(None)
        .start()
        .await
        .unwrap();
    let mut events = jobs.subscribe();
    let mut refs = Vec::new();
    for _ in 0..200 {
        refs.push(jobs.start_child(WorkerArgs::new("w", &log)).await.unwrap());
    }
    // Children leave in every way a dynamic child can, enough of them that the supervisor
    // sweeps its removed entries out of the table along the way.
    let mut kept = Vec::new();
    for (i, r) in refs.iter().enumerate() {
        let name = format!("jobs#{}", i + 1);
        match i % 4 {
            0 => kept.push(name),
            1 => jobs.terminate_child(&name).await.unwrap(),
            2 => {
                r.cast(WCast::Stop(ExitReason::Normal)).unwrap();
                r.wait_exit().await;
            }
            _ => {
                r.cast(WCast::Stop(ExitReason::NoRestart)).unwrap();
                r.wait_exit().await;
            }
        }
    }
    // Exits arrive through the supervisor's mailbox: this call is answered after them.
    let which = jobs.which_children().await.unwrap();
    let names: Vec<&str> = which.iter().map(|c| &*c.name).collect();
    assert_eq!(names, kept);
    assert_eq!(jobs.count_children().await.unwrap().specs, 50);
    for (i, _) in refs.iter().enumerate() {
        let name = format!("jobs#{}", i + 1);
        let found = jobs.child(&name).await;
        if i % 4 == 0 {
            assert!(matches!(found, Ok(Some(_))), "{name}: {found:?}");
        } else {
            assert_eq!(found, Err(SupervisorError::NotFound(name.clone().into())));
        }
    }
    // The survivors still restart; the room that was freed can be used again.
    refs[100].cast(WCast::Panic).unwrap();
    events
        .wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == "jobs#101"))
        .await
        .unwrap();
    for _ in 0..150 {
        jobs.start_child(WorkerArgs::new("w", &log)).await.unwrap();
    }
    assert_eq!(
        jobs.start_child(WorkerArgs::new("w", &log))
            .await
            .unwrap_err(),
        SupervisorError::MaxChildren(200)
    );
    let which = jobs.which_children().await.unwrap();
    assert_eq!(which.len(), 200);
    assert_eq!(&*which[0].name, "jobs#1");
    assert_eq!(&*which[199].name, "jobs#350");
    assert!(which.windows(2).all(|w| {
        let n = |c: &perennial_runtime::supervisor::ChildInfo| -> u64 {
            c.name["jobs#".len()..].parse().unwrap()
        };
        n(&w[0]) < n(&w[1])
    }));
}

#[tokio::test(start_paused = true)]
async fn shutdown_stops_all_children_at_once_under_one_timer() {
    let log = Log::default();
    let jobs = DynamicSpec::<Worker>::new("jobs")
        .shutdown(Shutdown::Timeout(Duration::from_secs(5)))
        .health(None)
        .start()
        .await
        .unwrap();
    for name in ["a", "b", "c"] {
        let job = jobs.start_child(WorkerArgs::new(name, &log)).await.unwrap();
        job.cast(WCast::Stall(Duration::from_secs(3600))).unwrap();
    }
    let started = Instant::now();
    jobs.shutdown().await;
    // One shared 5 s timer, not 5 s per child.
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_nested_dynamic_supervisor_keeps_its_typed_handle_across_its_restarts() {
    let log = Log::default();
    let spec = DynamicSpec::<Worker>::new("jobs")
        .health(None)
        .intensity(0, Duration::from_secs(5));
    let root = SupervisorSpec::new("root")
        .child(ChildSpec::supervisor(spec.supervisor_spec()))
        .start()
        .await
        .unwrap();
    let status = root.child_status("jobs").await.unwrap();
    assert_eq!(
        status.kind,
        perennial_runtime::supervisor::ChildKind::DynamicSupervisor
    );
    assert_eq!(root.count_children().await.unwrap().supervisors, 1);

    let jobs = spec.attach(root.nested("jobs"));
    let mut events = root.subscribe();
    let job = jobs
        .start_child(WorkerArgs::new("job", &log))
        .await
        .unwrap();
    // With an intensity of 0 the job's crash makes `jobs` give up; `root` restarts it empty.
    job.cast(WCast::Panic).unwrap();
    events
        .wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == "jobs"))
        .await
        .unwrap();
    assert_eq!(jobs.count_children().await.unwrap().specs, 0);
    let again = jobs
        .start_child(WorkerArgs::new("again", &log))
        .await
        .unwrap();
    assert_eq!(again.call(WCall::Name).await, Ok("again"));
}
