//! Nodes against a real etcd on loopback (see `common` for how it starts and stops). Real
//! time: short TTLs, every wait bounded.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use perennial_cluster::{
    BackendError, Cluster, ClusterConfig, ClusterError, ClusterEvent, EtcdBackend, Fenced,
    FencingToken, GlobalChild, GlobalTree, LeaseState, RunningTree,
};
use perennial_runtime::supervisor::{Event, SupervisorSpec};
use tokio::sync::broadcast;
use tokio::time::{Instant, timeout};

use common::{Etcd, EtcdCluster, check_history};

const TTL: Duration = Duration::from_secs(2);

fn config(cluster: &str, node: &str) -> ClusterConfig {
    ClusterConfig::new(cluster, node).ttl(TTL)
}

/// How many incarnations of the singleton run right now, and the most that ever ran at once.
#[derive(Default)]
struct Running {
    now: AtomicUsize,
    most: AtomicUsize,
}

struct Incarnation(Arc<Running>);

impl Drop for Incarnation {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

fn singleton(running: Arc<Running>) -> GlobalChild {
    GlobalChild::task("ledger", move |_claim| {
        let running = running.clone();
        async move {
            let n = running.now.fetch_add(1, Ordering::SeqCst) + 1;
            running.most.fetch_max(n, Ordering::SeqCst);
            let _guard = Incarnation(running);
            std::future::pending::<()>().await;
        }
    })
}

async fn node(
    etcd: &Etcd,
    cluster: &str,
    name: &str,
    running: &Arc<Running>,
) -> (Cluster<EtcdBackend>, RunningTree) {
    node_at(std::slice::from_ref(&etcd.endpoint), cluster, name, running).await
}

async fn node_at(
    endpoints: &[String],
    cluster: &str,
    name: &str,
    running: &Arc<Running>,
) -> (Cluster<EtcdBackend>, RunningTree) {
    let node = Cluster::connect(endpoints, config(cluster, name))
        .await
        .expect("joins");
    let tree = GlobalTree::new(SupervisorSpec::new("app"))
        .global(singleton(running.clone()))
        .start(&node)
        .await
        .expect("the tree starts");
    (node, tree)
}

/// Waits (bounded) for an event matching `pred`; returns when it came.
async fn wait_event(
    events: &mut broadcast::Receiver<ClusterEvent>,
    within: Duration,
    pred: impl Fn(&ClusterEvent) -> bool,
) -> (ClusterEvent, Instant) {
    timeout(within, async {
        loop {
            match events.recv().await {
                Ok(e) if pred(&e) => return (e, Instant::now()),
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("the event stream closed"),
            }
        }
    })
    .await
    .expect("the event came in time")
}

/// Which of the trees runs the singleton, waiting (bounded) for exactly one to.
async fn the_holder(trees: &[&RunningTree], within: Duration) -> (usize, FencingToken) {
    let deadline = Instant::now() + within;
    loop {
        let holding: Vec<_> = trees
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.holding("ledger").map(|tok| (i, tok)))
            .collect();
        if let [one] = holding[..] {
            return one;
        }
        assert!(
            holding.len() < 2,
            "two nodes hold the singleton: {holding:?}"
        );
        assert!(Instant::now() < deadline, "no node took the singleton");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn unreachable_etcd_at_start_names_the_endpoints() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let endpoint = format!("http://127.0.0.1:{port}");
    let err = Cluster::connect([&endpoint], config("c", "a"))
        .await
        .expect_err("nobody listens there");
    assert!(
        matches!(err, ClusterError::Backend(BackendError::Unreachable { .. })),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains(&endpoint), "{text}");
    assert!(text.contains("is etcd running"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_run_a_singleton_exactly_once_and_see_each_other() {
    let Some(etcd) = Etcd::start().await else {
        return;
    };
    let running = Arc::new(Running::default());
    let (a, ta) = node(&etcd, "three", "a", &running).await;
    let mut a_events = a.subscribe();
    let (b, tb) = node(&etcd, "three", "b", &running).await;
    let (c, tc) = node(&etcd, "three", "c", &running).await;
    for n in ["b", "c"] {
        wait_event(
            &mut a_events,
            TTL,
            |e| matches!(e, ClusterEvent::NodeUp { node } if node == n),
        )
        .await;
    }
    assert_eq!(a.members(), ["a", "b", "c"]);
    let (_, token) = the_holder(&[&ta, &tb, &tc], TTL).await;
    // Every node's cache agrees on the holder and its token.
    for n in [&a, &b, &c] {
        let deadline = Instant::now() + TTL;
        while n.lookup("ledger").map(|g| g.token) != Some(token) {
            assert!(
                Instant::now() < deadline,
                "{} never saw the holder",
                n.node()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // Across several renewals, one incarnation, and still one holder.
    tokio::time::sleep(TTL * 3 / 2).await;
    assert_eq!(the_holder(&[&ta, &tb, &tc], TTL).await.1, token);
    assert_eq!(running.now.load(Ordering::SeqCst), 1);
    assert_eq!(running.most.load(Ordering::SeqCst), 1);
    // A node that leaves is seen going down.
    tc.shutdown().await;
    c.leave().await;
    wait_event(
        &mut a_events,
        TTL,
        |e| matches!(e, ClusterEvent::NodeDown { node } if node == "c"),
    )
    .await;
    for t in [&ta, &tb] {
        t.shutdown().await;
    }
    a.leave().await;
    b.leave().await;
    check_history(&etcd.backend().await, "perennial/").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_stops_renewing_fences_itself_before_another_takes_over() {
    let Some(etcd) = Etcd::start().await else {
        return;
    };
    let running = Arc::new(Running::default());
    let (a, ta) = node(&etcd, "takeover", "a", &running).await;
    let first = ta.wait_holding("ledger").await;
    let (b, tb) = node(&etcd, "takeover", "b", &running).await;
    let mut a_events = a.subscribe();
    let mut b_events = b.subscribe();
    let mut a_sup = ta.supervisor().subscribe();

    // A is cut off from etcd: no renewal after this instant, so etcd cannot expire A's lease
    // before (the last renewal sent, which is earlier) + TTL.
    let cut = Instant::now();
    a.suspend_renewals(true);
    let (_, fenced_at) = wait_event(&mut a_events, TTL + Duration::from_secs(1), |e| {
        matches!(e, ClusterEvent::Fenced { .. })
    })
    .await;
    let (acquired, acquired_at) = wait_event(&mut b_events, TTL + Duration::from_secs(1), |e| {
        matches!(e, ClusterEvent::Acquired { .. })
    })
    .await;
    assert!(fenced_at < acquired_at, "A fenced after B took over");
    assert!(fenced_at < cut + TTL, "A fenced too late to be safe");
    assert!(
        acquired_at - cut <= TTL + Duration::from_secs(1),
        "B took over after {:?}",
        acquired_at - cut
    );
    let ClusterEvent::Acquired { token: second, .. } = acquired else {
        unreachable!()
    };
    assert!(
        second > first,
        "the new token {second} is not above {first}"
    );
    assert_eq!(tb.holding("ledger"), Some(second));
    assert_eq!(ta.holding("ledger"), None);
    assert_eq!(running.most.load(Ordering::SeqCst), 1);
    // The child on A ended with the fence's own exit reason.
    let exited = timeout(
        Duration::from_secs(1),
        a_sup.wait_for(|e| matches!(e, Event::Exited { .. })),
    )
    .await
    .expect("A's supervisor reported the exit")
    .expect("an event");
    let Event::Exited { reason, .. } = exited else {
        unreachable!()
    };
    assert!(Fenced::is(&reason), "{reason}");
    // A comes back as a standby.
    a.suspend_renewals(false);
    wait_event(&mut a_events, TTL * 2, |e| {
        matches!(e, ClusterEvent::LeaseHeld { .. })
    })
    .await;
    assert_eq!(ta.holding("ledger"), None);
    ta.shutdown().await;
    tb.shutdown().await;
    a.leave().await;
    b.leave().await;
    check_history(&etcd.backend().await, "perennial/").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_paused_longer_than_the_ttl_fences_every_holder_then_one_reclaims() {
    let Some(etcd) = Etcd::start().await else {
        return;
    };
    let running = Arc::new(Running::default());
    let (a, ta) = node(&etcd, "pause", "a", &running).await;
    let (b, tb) = node(&etcd, "pause", "b", &running).await;
    let (holder, first) = the_holder(&[&ta, &tb], TTL).await;
    let nodes = [&a, &b];
    let mut holder_events = nodes[holder].subscribe();
    let mut leases: Vec<_> = nodes.iter().map(|n| n.watch_lease()).collect();

    etcd.pause();
    let paused = Instant::now();
    wait_event(&mut holder_events, TTL + Duration::from_secs(1), |e| {
        matches!(e, ClusterEvent::Fenced { .. })
    })
    .await;
    for lease in &mut leases {
        timeout(TTL, lease.wait_for(|l| *l == LeaseState::Lost))
            .await
            .expect("every node loses its lease")
            .expect("the node runs");
    }
    assert_eq!(running.now.load(Ordering::SeqCst), 0);
    // Paused longer than the TTL, then resumed.
    tokio::time::sleep_until(paused + TTL + Duration::from_millis(500)).await;
    etcd.resume();
    let (_, second) = the_holder(&[&ta, &tb], TTL * 4).await;
    assert!(
        second > first,
        "the new token {second} is not above {first}"
    );
    // Exactly one reclaims, and stays the only one.
    tokio::time::sleep(TTL).await;
    assert_eq!(the_holder(&[&ta, &tb], TTL).await.1, second);
    assert_eq!(running.now.load(Ordering::SeqCst), 1);
    assert_eq!(running.most.load(Ordering::SeqCst), 1);
    ta.shutdown().await;
    tb.shutdown().await;
    a.leave().await;
    b.leave().await;
    check_history(&etcd.backend().await, "perennial/").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_held_as_another_server_type_is_a_typed_error() {
    let Some(etcd) = Etcd::start().await else {
        return;
    };
    let a = Cluster::connect([&etcd.endpoint], config("types", "a"))
        .await
        .expect("joins");
    let b = Cluster::connect([&etcd.endpoint], config("types", "b"))
        .await
        .expect("joins");
    let claim = a.claim::<u32>("counter").await.expect("free");
    match b.claim::<String>("counter").await {
        Err(ClusterError::TypeMismatch {
            held_as, holder, ..
        }) => {
            assert_eq!(held_as, "u32");
            assert_eq!(holder, "a");
        }
        other => panic!("expected a type mismatch, got {other:?}"),
    }
    match b.claim::<u32>("counter").await {
        Err(ClusterError::NameTaken { holder, token, .. }) => {
            assert_eq!((holder.as_str(), token), ("a", claim.token));
        }
        other => panic!("expected a taken name, got {other:?}"),
    }
    // Release only with the token: a stale token releases nothing.
    let stale = perennial_cluster::Claim {
        token: FencingToken(claim.token.0 - 1),
        ..claim.clone()
    };
    assert!(!a.release(&stale).await.expect("etcd answers"));
    assert!(a.release(&claim).await.expect("etcd answers"));
    let again = b.claim::<u32>("counter").await.expect("free again");
    assert!(again.token > claim.token);
    a.leave().await;
    b.leave().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_killed_and_restarted_the_nodes_come_back_and_one_holds() {
    let Some(mut etcd) = Etcd::start().await else {
        return;
    };
    let running = Arc::new(Running::default());
    let (a, ta) = node(&etcd, "restart", "a", &running).await;
    let (b, tb) = node(&etcd, "restart", "b", &running).await;
    let (_, first) = the_holder(&[&ta, &tb], TTL).await;
    etcd.restart().await;
    // Whether the leases survived the restart or not, one node holds afterwards, with the
    // same token (the lease survived) or a higher one.
    tokio::time::sleep(TTL).await;
    let (_, after) = the_holder(&[&ta, &tb], TTL * 4).await;
    assert!(after >= first);
    assert_eq!(running.now.load(Ordering::SeqCst), 1);
    assert_eq!(running.most.load(Ordering::SeqCst), 1);
    ta.shutdown().await;
    tb.shutdown().await;
    a.leave().await;
    b.leave().await;
    check_history(&etcd.backend().await, "perennial/").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_member_etcd_losing_its_leader_keeps_exactly_one_holder() {
    let Some(mut etcd) = EtcdCluster::start(3).await else {
        return;
    };
    // The leader's endpoint first: the nodes dial it, so its death also moves them to
    // another member.
    let leader = etcd.leader().await;
    let mut endpoints = etcd.endpoints();
    endpoints.rotate_left(leader);
    let running = Arc::new(Running::default());
    let (a, ta) = node_at(&endpoints, "quorum", "a", &running).await;
    let (b, tb) = node_at(&endpoints, "quorum", "b", &running).await;
    let (c, tc) = node_at(&endpoints, "quorum", "c", &running).await;
    let trees = [&ta, &tb, &tc];
    let (_, first) = the_holder(&trees, TTL).await;

    // The raft leader dies (SIGKILL, by its PID); the other two elect a new one.
    assert_eq!(
        etcd.leader().await,
        leader,
        "the leader changed before the test killed it"
    );
    etcd.members[leader].kill();
    let new_leader = etcd.leader().await;
    assert_ne!(new_leader, leader, "the killed member cannot lead");
    // Across the election and a TTL and a half of renewals through the survivors, never two
    // holders, and exactly one at the end: the same claim (the leases survived: a new etcd
    // leader extends them) or a later one.
    let deadline = Instant::now() + TTL * 3 / 2;
    while Instant::now() < deadline {
        let holders = trees
            .iter()
            .filter(|t| t.holding("ledger").is_some())
            .count();
        assert!(holders <= 1, "{holders} nodes hold the singleton");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (holder, after) = the_holder(&trees, TTL * 4).await;
    assert!(
        after >= first,
        "the token went back from {first} to {after}"
    );
    assert_eq!(running.now.load(Ordering::SeqCst), 1);
    assert_eq!(running.most.load(Ordering::SeqCst), 1);

    // The quorum of two still takes writes: the holder steps down, another node claims the
    // name with a strictly higher token.
    trees[holder].shutdown().await;
    let rest: Vec<&RunningTree> = (0..3).filter(|i| *i != holder).map(|i| trees[i]).collect();
    let (_, next) = the_holder(&rest, TTL).await;
    assert!(next > after, "the new token {next} is not above {after}");
    assert_eq!(running.most.load(Ordering::SeqCst), 1);
    for t in rest {
        t.shutdown().await;
    }
    for n in [&a, &b, &c] {
        n.leave().await;
    }
    // etcd's own history, read from a survivor: never two holders, tokens increasing.
    let history = check_history(&etcd.backend().await, "perennial/").await;
    let tokens = &history["perennial/quorum/names/ledger"];
    // (The survivors' own shutdowns hand the name on once more.)
    assert!(
        tokens.contains(&after.0) && tokens.contains(&next.0),
        "{tokens:?}"
    );
}
