//! Registry listeners: every registration and unregistration, typed and in order; lossless for
//! a listener that keeps up, a clear lag signal for one that does not.

mod support;

use perennial_runtime::supervisor::{Event, SupervisorSpec};
use perennial_runtime::{ExitReason, GenServer, ProcessId, Registry};
use perennial_runtime::{LISTENER_BUFFER, Lagged, RegistryChange, RegistryEvent};
use support::worker::{Log, WCast, Worker, WorkerArgs, worker};
use support::{Other, Probe};

fn summary(event: &RegistryEvent) -> (RegistryChange, String, ProcessId) {
    (event.change(), event.name().to_string(), event.id())
}

fn drain(listener: &mut perennial_runtime::RegistryListener) -> Vec<RegistryEvent> {
    let mut out = Vec::new();
    while let Some(event) = listener.try_next() {
        out.push(event.expect("no lag"));
    }
    out
}

#[tokio::test(start_paused = true)]
async fn a_listener_sees_a_tree_start_restart_and_stop_in_order() {
    use RegistryChange::*;
    let log = Log::default();
    let registry = Registry::new();
    let mut listener = registry.subscribe();
    let sup = SupervisorSpec::new("sup")
        .child(worker(&WorkerArgs::new("a", &log)))
        .child(worker(&WorkerArgs::new("b", &log)))
        .start_in(&registry)
        .await
        .unwrap();
    let first = registry.lookup::<Worker>("a").unwrap();
    let b = registry.lookup::<Worker>("b").unwrap();
    let started: Vec<_> = drain(&mut listener).iter().map(summary).collect();
    assert_eq!(
        started
            .iter()
            .map(|(c, n, _)| (*c, n.as_str()))
            .collect::<Vec<_>>(),
        [(Registered, "sup"), (Registered, "a"), (Registered, "b")]
    );
    assert_eq!(started[1].2, first.id());

    let mut events = sup.subscribe();
    first.cast(WCast::Panic).unwrap();
    events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .unwrap();
    let second = registry.lookup::<Worker>("a").unwrap();
    let restart = drain(&mut listener);
    // The old holder lets go before the new one takes the name.
    assert_eq!(
        restart.iter().map(summary).collect::<Vec<_>>(),
        [
            (Unregistered, "a".to_string(), first.id()),
            (Registered, "a".to_string(), second.id()),
        ]
    );
    // Typed: the registration carries the new incarnation's reference.
    assert!(restart[1].is::<Worker>());
    assert_eq!(restart[1].server::<Worker>(), Some(second.clone()));
    assert_eq!(restart[1].server::<Other>(), None);
    assert_eq!(restart[0].server::<Worker>(), None);
    assert_eq!(
        restart[1].to_string(),
        format!("`a` registered ({})", second.id())
    );

    sup.shutdown().await;
    assert_eq!(
        drain(&mut listener).iter().map(summary).collect::<Vec<_>>(),
        [
            (Unregistered, "b".to_string(), b.id()),
            (Unregistered, "a".to_string(), second.id()),
            (Unregistered, "sup".to_string(), started[0].2),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_listener_that_keeps_up_loses_nothing() {
    let registry = Registry::new();
    let mut listener = registry.subscribe();
    let mut seen = 0;
    // Far more changes than the buffer holds, read as they come.
    for n in 0..LISTENER_BUFFER * 3 {
        let server = Other::builder()
            .register(&registry, format!("s{n}"))
            .start(())
            .await
            .unwrap();
        server.stop(ExitReason::Shutdown).await.unwrap();
        let events = drain(&mut listener);
        assert_eq!(events.len(), 2, "round {n}");
        assert_eq!(
            events.iter().map(summary).collect::<Vec<_>>(),
            [
                (RegistryChange::Registered, format!("s{n}"), server.id()),
                (RegistryChange::Unregistered, format!("s{n}"), server.id()),
            ]
        );
        seen += events.len();
    }
    assert_eq!(seen, LISTENER_BUFFER * 6);
}

#[tokio::test(start_paused = true)]
async fn a_listener_that_falls_behind_is_told_how_much_it_missed() {
    let registry = Registry::new();
    let mut slow = registry.subscribe();
    let rounds = LISTENER_BUFFER / 2 + 50;
    let mut last = None;
    for n in 0..rounds {
        let server = Other::builder()
            .register(&registry, format!("s{n}"))
            .start(())
            .await
            .unwrap();
        server.stop(ExitReason::Shutdown).await.unwrap();
        last = Some(server.id());
    }
    let missed = (rounds * 2 - LISTENER_BUFFER) as u64;
    let lag = slow.next().await.unwrap().unwrap_err();
    assert_eq!(lag, Lagged { missed });
    assert!(lag.to_string().contains(&format!("missed {missed} events")));
    // Then it goes on from the oldest event kept, up to the last one.
    let rest = drain(&mut slow);
    assert_eq!(rest.len(), LISTENER_BUFFER);
    assert_eq!(rest.last().map(RegistryEvent::id), last);
}

#[tokio::test(start_paused = true)]
async fn a_listener_sees_a_failed_start_come_and_go_and_ends_with_its_registry() {
    let registry = Registry::new();
    let mut listener = registry.subscribe();
    let (args, _events) = support::args(support::Init::Fail);
    assert!(
        Probe::builder()
            .register(&registry, "p")
            .start(args)
            .await
            .is_err()
    );
    // A start that failed was registered while its init ran, then let go.
    let events: Vec<_> = drain(&mut listener).iter().map(|e| e.change()).collect();
    assert_eq!(
        events,
        [RegistryChange::Registered, RegistryChange::Unregistered]
    );
    drop(registry);
    assert!(listener.next().await.is_none());
}
