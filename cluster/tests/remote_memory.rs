//! Remote calls and casts on the in-memory store and bus, under tokio's paused clock: the
//! protocol's error mapping, bad input, and following a name through a takeover.

mod servers;

use std::time::Duration;

use bytes::Bytes;
use perennial_cluster::{
    Cluster, ClusterConfig, ClusterError, GlobalChild, GlobalTree, MemoryBackend, MemoryTransport,
    RunningTree, Transport, header,
};
use perennial_runtime::supervisor::SupervisorSpec;
use perennial_runtime::{CallError, CastError, ExitReason};
use servers::{Ledger, LedgerCall, LedgerReply};

const TTL: Duration = Duration::from_secs(3);

fn config(node: &str, bus: &MemoryTransport) -> ClusterConfig {
    ClusterConfig::new("shop", node)
        .ttl(TTL)
        .with_transport(bus.clone())
}

async fn node(store: &MemoryBackend, bus: &MemoryTransport, name: &str) -> Cluster<MemoryBackend> {
    Cluster::join(store.clone(), config(name, bus))
        .await
        .expect("joins the in-memory cluster")
}

async fn ledger_on(node: &Cluster<MemoryBackend>) -> RunningTree {
    let tree = GlobalTree::new(SupervisorSpec::new("app"))
        .global(GlobalChild::exported::<Ledger>("ledger", |claim| {
            claim.token.0
        }))
        .start(node)
        .await
        .expect("the tree starts");
    tree.wait_holding("ledger").await;
    tree
}

/// Waits until `node`'s cache shows `name` held by `holder`.
async fn sees(node: &Cluster<MemoryBackend>, name: &str, holder: &str) {
    node.wait_lookup(name, |held| held.node == holder).await;
}

#[tokio::test(start_paused = true)]
async fn calls_and_casts_reach_the_holder_on_another_node() {
    let (store, bus) = (MemoryBackend::new(), MemoryTransport::new());
    let a = node(&store, &bus, "a").await;
    let c = node(&store, &bus, "c").await;
    let tree = ledger_on(&a).await;
    sees(&c, "ledger", "a").await;

    let ledger = c.remote::<Ledger>("ledger").expect("a remote client");
    assert_eq!(
        ledger.call(LedgerCall::Add(2)).await,
        Ok(LedgerReply::Total(2))
    );
    assert_eq!(
        ledger.call(LedgerCall::Add(3)).await,
        Ok(LedgerReply::Total(5))
    );
    // Casts are published in order; a call after them sees them all (one bus, one holder).
    ledger.cast("one".into()).expect("cast sent");
    ledger.cast("two".into()).expect("cast sent");
    let mut notes = LedgerReply::Notes(vec![]);
    while notes != LedgerReply::Notes(vec!["one".into(), "two".into()]) {
        notes = ledger.call(LedgerCall::Notes).await.expect("notes");
    }
    ledger.ping().await.expect("pong from node a");
    // Infos and stop stay local.
    assert!(matches!(ledger.info(()), Err(CastError::NotRunning(()))));
    assert!(matches!(ledger.stop().await, Err(CallError::Remote(_))));
    tree.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn nobody_holding_or_serving_is_not_running_at_once() {
    let (store, bus) = (MemoryBackend::new(), MemoryTransport::new());
    let c = node(&store, &bus, "c").await;
    let ledger = c.remote::<Ledger>("ledger").expect("a remote client");
    let started = tokio::time::Instant::now();
    assert!(matches!(
        ledger.call(LedgerCall::Add(1)).await,
        Err(CallError::NotRunning { name: Some(n) }) if &*n == "ledger"
    ));
    assert!(matches!(
        ledger.cast("x".into()),
        Err(CastError::NotRunning(_))
    ));
    assert_eq!(started.elapsed(), Duration::ZERO);

    // A name held in the store by a node that serves nothing (its process is gone but its
    // lease has not expired yet): the bus has no responder, so NotRunning at once too.
    let ghost = node(&store, &bus, "ghost").await;
    ghost.claim::<Ledger>("ledger").await.expect("claimed");
    sees(&c, "ledger", "ghost").await;
    let started = tokio::time::Instant::now();
    assert!(matches!(
        ledger.call(LedgerCall::Add(1)).await,
        Err(CallError::NotRunning { .. })
    ));
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_server_dying_mid_call_is_exited_with_its_reason() {
    let (store, bus) = (MemoryBackend::new(), MemoryTransport::new());
    let a = node(&store, &bus, "a").await;
    let c = node(&store, &bus, "c").await;
    let tree = ledger_on(&a).await;
    sees(&c, "ledger", "a").await;
    let ledger = c.remote::<Ledger>("ledger").expect("a remote client");
    match ledger.call(LedgerCall::Crash("disk on fire".into())).await {
        Err(CallError::Exited(ExitReason::Panic(message))) => {
            assert!(message.contains("disk on fire"), "{message}")
        }
        other => panic!("expected Exited(Panic), got {other:?}"),
    }
    // The supervisor on node a restarted it: calls work again.
    assert!(matches!(
        ledger.call(LedgerCall::Add(1)).await,
        Ok(LedgerReply::Total(_))
    ));
    tree.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_stalled_bus_is_a_timeout_and_calls_succeed_after_it_resumes() {
    let (store, bus) = (MemoryBackend::new(), MemoryTransport::new());
    let a = node(&store, &bus, "a").await;
    let c = node(&store, &bus, "c").await;
    let tree = ledger_on(&a).await;
    sees(&c, "ledger", "a").await;
    let ledger = c
        .remote::<Ledger>("ledger")
        .expect("a remote client")
        .with_timeout(Duration::from_millis(200));
    bus.pause();
    let started = tokio::time::Instant::now();
    assert_eq!(
        ledger.call(LedgerCall::Add(1)).await,
        Err(CallError::Timeout(Duration::from_millis(200)))
    );
    assert_eq!(started.elapsed(), Duration::from_millis(200));
    bus.resume();
    // The held request was delivered on resume (its outcome was unknown: it ran).
    assert_eq!(
        ledger.call(LedgerCall::Add(1)).await,
        Ok(LedgerReply::Total(2))
    );
    // A slow handler is a timeout too.
    assert_eq!(
        ledger.call(LedgerCall::Sleep(1_000)).await,
        Err(CallError::Timeout(Duration::from_millis(200)))
    );
    tree.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn callers_follow_the_name_through_a_takeover() {
    let (store, bus) = (MemoryBackend::new(), MemoryTransport::new());
    let a = node(&store, &bus, "a").await;
    let b = node(&store, &bus, "b").await;
    let c = node(&store, &bus, "c").await;
    let on_a = ledger_on(&a).await;
    let on_b = GlobalTree::new(SupervisorSpec::new("app"))
        .global(GlobalChild::exported::<Ledger>("ledger", |claim| {
            claim.token.0
        }))
        .start(&b)
        .await
        .expect("the standby starts");
    sees(&c, "ledger", "a").await;
    let ledger = c.remote::<Ledger>("ledger").expect("a remote client");
    let LedgerReply::Token(first) = ledger.call(LedgerCall::Token).await.expect("a token") else {
        panic!("a token reply")
    };
    assert_eq!(Some(first), a.lookup("ledger").map(|n| n.token.0));

    on_a.shutdown().await; // releases: b takes over
    let second = on_b.wait_holding("ledger").await;
    // The same client follows the name: once its node's cache shows b, calls go there.
    sees(&c, "ledger", "b").await;
    assert_eq!(
        ledger.call(LedgerCall::Token).await,
        Ok(LedgerReply::Token(second.0))
    );
    assert!(second.0 > first);
    on_b.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn malformed_stale_and_oversized_requests_are_answered_and_the_server_lives() {
    let (store, bus) = (MemoryBackend::new(), MemoryTransport::new());
    let a = Cluster::join(store.clone(), config("a", &bus).with_max_message(64))
        .await
        .expect("joins");
    let tree = ledger_on(&a).await;
    let token = a.lookup("ledger").expect("held").token.0;
    let subject = "perennial.shop.ledger";
    let ask = |kind: &str, token: i64, payload: Bytes| {
        let headers = vec![
            ("Perennial-Kind".to_owned(), kind.to_owned()),
            ("Perennial-Token".to_owned(), token.to_string()),
            ("Perennial-Deadline-Ms".to_owned(), "1000".to_owned()),
        ];
        let bus = bus.clone();
        async move {
            bus.request(subject, headers, payload, Duration::from_secs(1))
                .await
                .expect("a reply")
        }
    };
    let status =
        |r: &perennial_cluster::Reply| header(&r.headers, "Perennial-Status").map(str::to_owned);

    let garbage = ask("call", token, Bytes::from_static(&[0xff, 0xff, 0xff])).await;
    assert_eq!(status(&garbage).as_deref(), Some("bad-request"));
    assert!(String::from_utf8_lossy(&garbage.payload).contains("same version"));

    let oversized = ask("call", token, Bytes::from(vec![0u8; 65])).await;
    assert_eq!(status(&oversized).as_deref(), Some("bad-request"));
    assert!(String::from_utf8_lossy(&oversized.payload).contains("over the limit of 64"));

    let stale = ask("call", token - 1, Bytes::new()).await;
    assert_eq!(status(&stale).as_deref(), Some("stale"));

    let unknown = ask("dance", token, Bytes::new()).await;
    assert_eq!(status(&unknown).as_deref(), Some("bad-request"));

    // A malformed cast is dropped; the server still answers.
    let headers = vec![
        ("Perennial-Kind".to_owned(), "cast".to_owned()),
        ("Perennial-Token".to_owned(), token.to_string()),
    ];
    bus.publish(subject, headers, Bytes::from_static(&[0xff]))
        .await
        .expect("published");
    let ledger = a.remote::<Ledger>("ledger").expect("a remote client");
    assert_eq!(
        ledger.call(LedgerCall::Add(4)).await,
        Ok(LedgerReply::Total(4))
    );
    // A call too large to send is refused before it leaves.
    assert!(matches!(
        ledger.call(LedgerCall::Crash("x".repeat(100))).await,
        Err(CallError::Remote(why)) if why.contains("over the limit")
    ));
    tree.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn remote_needs_a_transport_and_a_valid_name() {
    let store = MemoryBackend::new();
    let plain = Cluster::join(store.clone(), ClusterConfig::new("shop", "p"))
        .await
        .expect("joins");
    assert!(matches!(
        plain.remote::<Ledger>("ledger"),
        Err(ClusterError::NoTransport)
    ));
    let exported = GlobalTree::new(SupervisorSpec::new("app"))
        .global(GlobalChild::exported::<Ledger>("ledger", |_| 0))
        .start(&plain)
        .await;
    assert!(matches!(exported, Err(ClusterError::NoTransport)));
    let bus = MemoryTransport::new();
    let c = node(&store, &bus, "c").await;
    assert!(matches!(
        c.remote::<Ledger>("a b"),
        Err(ClusterError::InvalidChild(_))
    ));
    assert!(matches!(
        c.remote::<Ledger>("x.*"),
        Err(ClusterError::InvalidChild(_))
    ));
}
