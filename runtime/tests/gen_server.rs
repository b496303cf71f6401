//! The gen_server core: calls, casts, infos, continues, stops, kills, panics and their errors.

mod support;

use std::num::NonZeroUsize;
use std::time::Duration;

use perennial_runtime::{CallError, CastError, ExitReason, GenServer, StartError};
use support::*;

async fn start() -> (perennial_runtime::ServerRef<Probe>, Events) {
    let (args, mut events) = args(Init::Ok);
    let server = Probe::start(args).await.expect("probe starts");
    assert_eq!(next(&mut events).await, "init");
    (server, events)
}

#[tokio::test(start_paused = true)]
async fn calls_casts_and_infos_are_handled_in_order() {
    let (server, mut events) = start().await;
    assert_eq!(server.call(Call::Echo(7)).await, Ok(Ok(7)));
    server.cast(Cast::Add(2)).unwrap();
    server.info(Info::Note("hello")).unwrap();
    server.cast(Cast::Add(3)).unwrap();
    // The call is queued after the casts, so it sees both.
    assert_eq!(server.call(Call::Total).await, Ok(Ok(5)));
    assert_eq!(drain(&mut events), ["add 2", "info hello", "add 3"]);
    assert!(server.is_alive());
}

#[tokio::test(start_paused = true)]
async fn ping_is_answered_by_the_runtime() {
    let (server, _events) = start().await;
    assert_eq!(server.ping().await, Ok(()));
}

#[tokio::test(start_paused = true)]
async fn a_call_times_out_and_the_late_reply_is_discarded() {
    let (server, mut events) = start().await;
    let slow = server.call_timeout(Call::Sleep(Duration::from_secs(10)), Duration::from_secs(1));
    assert_eq!(slow.await, Err(CallError::Timeout(Duration::from_secs(1))));
    // The server is still alive (busy for 9 more seconds) and handles the next call once done;
    // the late reply (10) went nowhere, so this call gets its own.
    let next_call = server.call_timeout(Call::Echo(3), Duration::from_secs(30));
    assert_eq!(next_call.await, Ok(Ok(3)));
    assert!(server.is_alive());
    assert_eq!(drain(&mut events), ["handling"]);
}

#[tokio::test(start_paused = true)]
async fn the_default_call_timeout_is_five_seconds() {
    let (server, _events) = start().await;
    let started = tokio::time::Instant::now();
    let result = server.call(Call::Hang).await;
    assert_eq!(result, Err(CallError::Timeout(Duration::from_secs(5))));
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn calls_and_casts_to_a_stopped_server_fail_clearly() {
    let (server, _events) = start().await;
    assert_eq!(
        server.stop(ExitReason::Shutdown).await,
        Ok(ExitReason::Shutdown)
    );
    assert!(!server.is_alive());
    assert_eq!(
        server.call(Call::Echo(1)).await,
        Err(CallError::NotRunning { name: None })
    );
    assert_eq!(
        server.ping().await,
        Err(CallError::NotRunning { name: None })
    );
    match server.cast(Cast::Add(9)) {
        Err(CastError::NotRunning(Cast::Add(9))) => {}
        other => panic!("expected NotRunning with the message back, got {other:?}"),
    }
    assert!(server.info(Info::Note("late")).is_err());
    // Stopping again is harmless: there is nothing to stop (OTP's `noproc`), and how it ended
    // stays readable.
    assert_eq!(
        server.stop(ExitReason::Normal).await,
        Err(CallError::NotRunning { name: None })
    );
    assert_eq!(server.exit_reason(), Some(ExitReason::Shutdown));
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_a_call_is_the_callers_error_and_the_servers_exit() {
    let (server, mut events) = start().await;
    let result = server.call(Call::Panic("bad state")).await;
    assert_eq!(
        result,
        Err(CallError::Exited(ExitReason::Panic("bad state".into())))
    );
    assert_eq!(
        server.wait_exit().await,
        ExitReason::Panic("bad state".into())
    );
    // OTP runs terminate after a callback crash.
    assert_eq!(
        until(&mut events, "terminate panicked: bad state").await,
        Vec::<String>::new()
    );
}

#[tokio::test(start_paused = true)]
async fn calls_queued_behind_a_crash_get_the_exit_reason() {
    let (server, mut events) = start().await;
    server.cast(Cast::Sleep(Duration::from_secs(1))).unwrap();
    assert_eq!(next(&mut events).await, "handling");
    server.cast(Cast::Panic("boom")).unwrap();
    let queued = server.call(Call::Echo(1));
    assert_eq!(
        queued.await,
        Err(CallError::Exited(ExitReason::Panic("boom".into())))
    );
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_a_cast_ends_the_server_and_runs_terminate() {
    let (server, mut events) = start().await;
    server.cast(Cast::Panic("cast blew up")).unwrap();
    assert_eq!(
        server.wait_exit().await,
        ExitReason::Panic("cast blew up".into())
    );
    assert_eq!(next(&mut events).await, "terminate panicked: cast blew up");
}

#[tokio::test(start_paused = true)]
async fn a_server_calling_itself_gets_an_error_not_a_deadlock() {
    let (server, _events) = start().await;
    assert_eq!(
        server.call(Call::Myself).await,
        Ok(Err(CallError::CallingSelf))
    );
    assert_eq!(
        server.call(Call::PingSelf).await,
        Ok(Err(CallError::CallingSelf))
    );
    assert!(server.is_alive());
}

#[tokio::test(start_paused = true)]
async fn terminate_runs_on_an_orderly_stop() {
    let (server, mut events) = start().await;
    assert_eq!(
        server.stop(ExitReason::Shutdown).await,
        Ok(ExitReason::Shutdown)
    );
    assert_eq!(drain(&mut events), ["terminate shutdown", "dropped"]);
}

#[tokio::test(start_paused = true)]
async fn terminate_does_not_run_on_a_kill_and_the_pending_call_learns_why() {
    let (server, mut events) = start().await;
    let caller = {
        let server = server.clone();
        tokio::spawn(async move { server.call(Call::Hang).await })
    };
    assert_eq!(next(&mut events).await, "handling");
    server.kill();
    assert_eq!(server.wait_exit().await, ExitReason::Killed);
    assert_eq!(
        caller.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    // The state was dropped, but terminate never ran.
    assert_eq!(drain(&mut events), ["dropped"]);
}

#[tokio::test(start_paused = true)]
async fn a_handler_can_reply_and_then_stop() {
    let (server, mut events) = start().await;
    let reply = server.call(Call::StopAfterReply(ExitReason::Normal)).await;
    assert_eq!(reply, Ok(Ok(1)));
    assert_eq!(server.wait_exit().await, ExitReason::Normal);
    assert_eq!(next(&mut events).await, "terminate normal");
}

#[tokio::test(start_paused = true)]
async fn a_cast_can_stop_the_server_with_any_reason() {
    let (server, _events) = start().await;
    server.cast(Cast::Stop(ExitReason::NoRestart)).unwrap();
    assert_eq!(server.wait_exit().await, ExitReason::NoRestart);
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_terminate_becomes_the_exit_reason_and_harms_no_one_else() {
    let (bystander, _bystander_events) = start().await;
    let (server, mut events) = start().await;
    server.cast(Cast::ArmTerminatePanic).unwrap();
    // A stop overtakes queued casts; a call in between makes sure the cast was handled.
    server.call(Call::Echo(0)).await.unwrap().unwrap();
    let reason = server.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(reason, ExitReason::Panic("terminate exploded".into()));
    assert_eq!(drain(&mut events), ["terminate shutdown", "dropped"]);
    assert_eq!(bystander.call(Call::Echo(5)).await, Ok(Ok(5)));
}

#[tokio::test(start_paused = true)]
async fn a_stop_request_overtakes_queued_messages() {
    let (server, mut events) = start().await;
    server.cast(Cast::Sleep(Duration::from_secs(1))).unwrap();
    assert_eq!(next(&mut events).await, "handling");
    server.cast(Cast::Add(1)).unwrap();
    let queued_call = {
        let server = server.clone();
        tokio::spawn(async move { server.call(Call::Echo(1)).await })
    };
    tokio::task::yield_now().await;
    assert_eq!(
        server.stop(ExitReason::Shutdown).await,
        Ok(ExitReason::Shutdown)
    );
    assert_eq!(
        queued_call.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    // The queued cast was never handled.
    assert_eq!(drain(&mut events), ["terminate shutdown", "dropped"]);
}

#[tokio::test(start_paused = true)]
async fn continues_run_before_the_next_message_and_chain() {
    let (args, mut events) = args(Init::Continue(3));
    let server = Probe::start(args).await.unwrap();
    server.cast(Cast::Add(1)).unwrap();
    assert_eq!(
        until(&mut events, "add 1").await,
        ["init", "continue 3", "continue 2", "continue 1"]
    );
    assert!(server.is_alive());
}

#[tokio::test(start_paused = true)]
async fn init_errors_are_start_errors() {
    let (a, mut events) = args(Init::Fail);
    match Probe::start(a).await {
        Err(StartError::Init(InitFailed("bad config"))) => {}
        other => panic!("expected Init error, got {other:?}"),
    }
    // No terminate after a failed init; the partial state was dropped.
    assert_eq!(until(&mut events, "dropped").await, ["init"]);

    let (a, _events) = args(Init::Panic);
    let err = Probe::start(a).await.unwrap_err();
    assert!(
        matches!(&err, StartError::InitPanicked(m) if &**m == "init exploded"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("panicked in init: init exploded"),
        "{err}"
    );

    let (a, _events) = args(Init::Stop);
    let err = Probe::start(a).await.unwrap_err();
    assert!(matches!(&err, StartError::InitStopped(r) if r.to_string() == "error: not today"));
}

#[tokio::test(start_paused = true)]
async fn a_slow_init_is_killed_after_the_start_timeout() {
    let (a, mut events) = args(Init::Hang);
    let err = Probe::builder()
        .init_timeout(Duration::from_millis(500))
        .start(a)
        .await
        .unwrap_err();
    assert!(matches!(err, StartError::InitTimeout(d) if d == Duration::from_millis(500)));
    assert!(
        err.to_string().contains("did not finish init within 500ms"),
        "{err}"
    );
    assert_eq!(until(&mut events, "dropped").await, ["init"]);
}

#[tokio::test(start_paused = true)]
async fn a_full_bounded_mailbox_refuses_casts_and_makes_calls_wait() {
    let (a, mut events) = args(Init::Ok);
    let server = Probe::builder()
        .bounded_mailbox(NonZeroUsize::new(2).unwrap())
        .start(a)
        .await
        .unwrap();
    assert_eq!(next(&mut events).await, "init");
    server.cast(Cast::Sleep(Duration::from_secs(10))).unwrap();
    assert_eq!(next(&mut events).await, "handling");
    server.cast(Cast::Add(1)).unwrap();
    server.cast(Cast::Add(2)).unwrap();
    match server.cast(Cast::Add(3)) {
        Err(e @ CastError::Full(Cast::Add(3))) => {
            assert!(e.to_string().contains("mailbox is full"), "{e}");
        }
        other => panic!("expected Full, got {other:?}"),
    }
    // A call waits for room, within its timeout.
    let short = server
        .call_timeout(Call::Echo(0), Duration::from_secs(1))
        .await;
    assert_eq!(short, Err(CallError::Timeout(Duration::from_secs(1))));
    // cast_wait waits for room; the call after it sees everything.
    server.cast_wait(Cast::Add(4)).await.unwrap();
    assert_eq!(server.call(Call::Total).await, Ok(Ok(7)));
}

#[tokio::test(start_paused = true)]
async fn the_state_is_dropped_before_the_exit_is_visible() {
    let (server, mut events) = start().await;
    server.kill();
    server.wait_exit().await;
    // By the time a monitor sees the exit, the state (and what it holds) is gone.
    assert_eq!(drain(&mut events), ["dropped"]);

    let (server, mut events) = start().await;
    server.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(drain(&mut events), ["terminate shutdown", "dropped"]);
}

#[tokio::test(start_paused = true)]
async fn many_waiters_all_see_the_exit() {
    let (server, _events) = start().await;
    let monitors: Vec<_> = (0..3)
        .map(|_| {
            let s = server.clone();
            tokio::spawn(async move { s.wait_exit().await })
        })
        .collect();
    server
        .cast(Cast::Stop(ExitReason::error("done for")))
        .unwrap();
    for m in monitors {
        assert_eq!(m.await.unwrap().to_string(), "error: done for");
    }
    assert_eq!(server.exit_reason().unwrap().to_string(), "error: done for");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_on_the_multi_thread_runtime() {
    let (server, _events) = start().await;
    let callers: Vec<_> = (0..8u64)
        .map(|i| {
            let s = server.clone();
            tokio::spawn(async move {
                for j in 0..100 {
                    assert_eq!(s.call(Call::Echo(i * 1000 + j)).await, Ok(Ok(i * 1000 + j)));
                }
            })
        })
        .collect();
    for c in callers {
        c.await.unwrap();
    }
}
