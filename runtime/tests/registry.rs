//! The typed registry: registration for the life of a server, typed lookups, and name-bound
//! references that follow a name across incarnations.

mod support;

use std::time::Duration;

use perennial_runtime::{
    CallError, CastError, Client, ExitReason, GenServer, LookupError, Registry, ServerRef,
    StartError,
};
use support::*;

async fn start_named(registry: &Registry, name: &str) -> (ServerRef<Probe>, Events) {
    let (a, mut events) = args(Init::Ok);
    let server = Probe::builder()
        .register(registry, name)
        .start(a)
        .await
        .unwrap();
    assert_eq!(next(&mut events).await, "init");
    (server, events)
}

#[tokio::test(start_paused = true)]
async fn a_server_is_registered_while_it_runs_and_gone_once_it_exits() {
    let registry = Registry::new();
    let (server, _events) = start_named(&registry, "probe").await;
    assert_eq!(registry.lookup::<Probe>("probe"), Ok(server.clone()));
    assert_eq!(server.name(), Some("probe"));
    assert_eq!(registry.names(), vec!["probe".into()]);
    assert!(
        registry
            .registered_type("probe")
            .unwrap()
            .ends_with("Probe")
    );

    server.kill();
    server.wait_exit().await;
    // By the time the exit is visible, the name is free.
    assert_eq!(
        registry.lookup::<Probe>("probe"),
        Err(LookupError::NotFound {
            name: "probe".into()
        })
    );
    assert!(registry.names().is_empty());
    assert_eq!(registry.registered_type("probe"), None);
}

#[tokio::test(start_paused = true)]
async fn a_taken_name_fails_the_start_before_init_runs() {
    let registry = Registry::new();
    let (first, _events) = start_named(&registry, "probe").await;
    let (a, mut events) = args(Init::Ok);
    match Probe::builder().register(&registry, "probe").start(a).await {
        Err(StartError::AlreadyStarted(existing)) => assert_eq!(existing, first),
        other => panic!("expected AlreadyStarted, got {other:?}"),
    }
    // The second server never ran init; its state was never built.
    assert!(drain(&mut events).is_empty());
    assert_eq!(registry.lookup::<Probe>("probe"), Ok(first));
}

#[tokio::test(start_paused = true)]
async fn a_name_taken_by_another_type_says_which() {
    let registry = Registry::new();
    Other::builder()
        .register(&registry, "svc")
        .start(())
        .await
        .unwrap();
    let (a, _events) = args(Init::Ok);
    let err = Probe::builder()
        .register(&registry, "svc")
        .start(a)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StartError::NameTaken { name, registered }
            if &**name == "svc" && registered.ends_with("Other")),
        "{err:?}"
    );
    assert!(err.to_string().contains("taken by a running"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_lookup_of_the_wrong_type_names_the_registered_type() {
    let registry = Registry::new();
    Other::builder()
        .register(&registry, "svc")
        .start(())
        .await
        .unwrap();
    match registry.lookup::<Probe>("svc") {
        Err(e @ LookupError::WrongType { .. }) => {
            let text = e.to_string();
            assert!(text.contains("`svc` is registered as a `"), "{text}");
            assert!(text.contains("Other"), "{text}");
        }
        other => panic!("expected WrongType, got {other:?}"),
    }
    assert!(registry.lookup::<Other>("svc").is_ok());
}

#[tokio::test(start_paused = true)]
async fn failed_starts_leave_no_entry_behind() {
    let registry = Registry::new();
    for init in [Init::Fail, Init::Panic, Init::Stop] {
        let (a, _events) = args(init);
        assert!(
            Probe::builder()
                .register(&registry, "p")
                .start(a)
                .await
                .is_err()
        );
        assert!(registry.lookup::<Probe>("p").is_err());
        assert!(registry.names().is_empty());
    }
    let (a, _events) = args(Init::Hang);
    let timed_out = Probe::builder()
        .register(&registry, "p")
        .init_timeout(Duration::from_secs(1))
        .start(a)
        .await;
    assert!(matches!(timed_out, Err(StartError::InitTimeout(_))));
    // The name is free at once, even before the killed task is dropped.
    assert!(registry.names().is_empty());
    let (server, _events) = start_named(&registry, "p").await;
    assert_eq!(registry.lookup::<Probe>("p"), Ok(server));
}

#[tokio::test(start_paused = true)]
async fn a_named_ref_follows_the_name_across_incarnations() {
    let registry = Registry::new();
    let named = registry.named::<Probe>("probe");
    assert_eq!(named.resolve(), None);
    let (first, _e1) = start_named(&registry, "probe").await;
    assert_eq!(named.call(Call::Echo(1)).await, Ok(Ok(1)));
    assert_eq!(named.resolve().map(|s| s.id()), Some(first.id()));

    first.stop(ExitReason::Shutdown).await.unwrap();
    let (second, _e2) = start_named(&registry, "probe").await;
    assert_ne!(first.id(), second.id());
    named.cast(Cast::Add(5)).unwrap();
    assert_eq!(named.call(Call::Total).await, Ok(Ok(5)));
    assert_eq!(named.resolve(), Some(second));
    assert_eq!(named.ping().await, Ok(()));
}

#[tokio::test(start_paused = true)]
async fn a_call_through_a_name_nobody_brings_back_fails_at_once_and_a_cast_too() {
    // The wait for a restart is covered in `names.rs`; a name no supervisor holds is not
    // waited for.
    let registry = Registry::new();
    let named = registry.named::<Probe>("nobody");
    let started = tokio::time::Instant::now();
    let err = named
        .call_timeout(Call::Echo(1), Duration::from_secs(3))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        CallError::NotRunning {
            name: Some("nobody".into())
        }
    );
    assert_eq!(err.to_string(), "server `nobody` is not running");
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert!(matches!(
        named.cast(Cast::Add(1)),
        Err(CastError::NotRunning(Cast::Add(1)))
    ));
    assert!(named.info(Info::Note("x")).is_err());
}

#[tokio::test(start_paused = true)]
async fn a_named_ref_of_the_wrong_type_says_so() {
    let registry = Registry::new();
    Other::builder()
        .register(&registry, "svc")
        .start(())
        .await
        .unwrap();
    let named = registry.named::<Probe>("svc");
    match named.call(Call::Echo(1)).await {
        Err(CallError::WrongType {
            name, registered, ..
        }) => {
            assert_eq!(&*name, "svc");
            assert!(registered.ends_with("Other"));
        }
        other => panic!("expected WrongType, got {other:?}"),
    }
    assert!(matches!(
        named.cast(Cast::Add(1)),
        Err(CastError::NotRunning(_))
    ));
    assert_eq!(named.resolve(), None);
}

#[tokio::test(start_paused = true)]
async fn a_call_through_a_name_to_a_server_that_dies_reports_its_exit() {
    let registry = Registry::new();
    let (_server, _events) = start_named(&registry, "probe").await;
    let named = registry.named::<Probe>("probe");
    assert_eq!(
        named.call(Call::Panic("oops")).await,
        Err(CallError::Exited(ExitReason::Panic("oops".into())))
    );
    // Nobody restarts it: the next call says at once that nobody is there.
    let started = tokio::time::Instant::now();
    let err = named.call(Call::Echo(1)).await;
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(
        err,
        Err(CallError::NotRunning {
            name: Some("probe".into())
        })
    );
}

#[tokio::test(start_paused = true)]
async fn a_client_carries_its_timeout_and_works_direct_or_named() {
    let registry = Registry::new();
    let (server, _events) = start_named(&registry, "probe").await;
    let direct = Client::from(server.clone());
    let named = Client::from(registry.named::<Probe>("probe"));
    assert_eq!(direct.call(Call::Echo(1)).await, Ok(Ok(1)));
    assert_eq!(named.call(Call::Echo(2)).await, Ok(Ok(2)));
    assert_eq!(named.name(), Some("probe"));
    assert_eq!(direct.ping().await, Ok(()));
    direct.cast(Cast::Add(3)).unwrap();
    assert_eq!(named.call(Call::Total).await, Ok(Ok(3)));
    let impatient = named.with_timeout(Duration::from_millis(100));
    assert_eq!(impatient.timeout(), Duration::from_millis(100));
    assert_eq!(
        impatient.call(Call::Hang).await,
        Err(CallError::Timeout(Duration::from_millis(100)))
    );
    // The server is stuck in that handler now; a ping with the same patience says so too.
    assert_eq!(
        impatient.ping().await,
        Err(CallError::Timeout(Duration::from_millis(100)))
    );
    assert_eq!(direct.resolve(), Some(server.clone()));
    server.kill();
    server.wait_exit().await;
    assert_eq!(direct.resolve(), None);
}

#[tokio::test(start_paused = true)]
async fn registries_are_independent_and_clones_share() {
    let a = Registry::new();
    let b = Registry::new();
    let (_s, _e) = start_named(&a, "probe").await;
    assert!(a.clone().lookup::<Probe>("probe").is_ok());
    assert!(b.lookup::<Probe>("probe").is_err());
    let (_s2, _e2) = start_named(&b, "probe").await;
    assert_ne!(
        a.lookup::<Probe>("probe").unwrap().id(),
        b.lookup::<Probe>("probe").unwrap().id()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_starts_under_one_name_register_exactly_one() {
    let registry = Registry::new();
    let attempts: Vec<_> = (0..16)
        .map(|_| {
            let registry = registry.clone();
            tokio::spawn(async move { Other::builder().register(&registry, "one").start(()).await })
        })
        .collect();
    let mut winners = Vec::new();
    let mut losers = Vec::new();
    for a in attempts {
        match a.await.unwrap() {
            Ok(s) => winners.push(s),
            Err(StartError::AlreadyStarted(existing)) => losers.push(existing),
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(winners.len(), 1);
    assert!(losers.iter().all(|l| *l == winners[0]));
}

#[tokio::test(start_paused = true)]
async fn a_client_can_wait_for_room_to_cast() {
    use std::num::NonZeroUsize;
    let registry = Registry::new();
    let (a, mut events) = args(Init::Ok);
    let server = Probe::builder()
        .register(&registry, "probe")
        .bounded_mailbox(NonZeroUsize::new(1).unwrap())
        .start(a)
        .await
        .unwrap();
    assert_eq!(next(&mut events).await, "init");
    let client = Client::from(registry.named::<Probe>("probe"));
    server.cast(Cast::Sleep(Duration::from_secs(5))).unwrap();
    assert_eq!(next(&mut events).await, "handling");
    client.cast(Cast::Add(1)).unwrap();
    assert!(matches!(
        client.cast(Cast::Add(2)),
        Err(CastError::Full(Cast::Add(2)))
    ));
    client.cast_wait(Cast::Add(2)).await.unwrap();
    assert_eq!(client.call(Call::Total).await, Ok(Ok(3)));
    // The error maps its message.
    let mapped = CastError::NotRunning(Cast::Add(4)).map(|c| match c {
        Cast::Add(n) => n,
        _ => 0,
    });
    assert_eq!(mapped.into_inner(), 4);
    server.kill();
    server.wait_exit().await;
    assert!(matches!(
        client.cast_wait(Cast::Add(5)).await,
        Err(CastError::NotRunning(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn a_start_dropped_during_init_frees_its_name_and_kills_the_server() {
    let registry = Registry::new();
    let (a, mut events) = args(Init::Hang);
    let start = Probe::builder().register(&registry, "p").start(a);
    // The caller gives up on the start itself (its own timeout), dropping the start future.
    assert!(
        tokio::time::timeout(Duration::from_secs(1), start)
            .await
            .is_err()
    );
    assert!(registry.names().is_empty(), "the name is free at once");
    // The hung init was killed: its half-built state is dropped, and the name can be taken.
    assert_eq!(until(&mut events, "dropped").await, ["init"]);
    let (server, _events) = start_named(&registry, "p").await;
    assert_eq!(registry.lookup::<Probe>("p"), Ok(server));
}
