//! `scope = global` children of `supervision_tree!` (the `cluster` feature): the tree starts in
//! a cluster, each global child runs on the one node that holds its name, and moves on when
//! that node lets go. Against the in-memory store; the real-etcd tests are perennial-cluster's.

#![cfg(feature = "cluster")]

use std::time::Duration;

use perennial::cluster::{Cluster, ClusterConfig, ClusterEvent, MemoryBackend};
use perennial::prelude::*;
use perennial::supervision_tree;

struct Ledger {
    entries: u64,
    token: i64,
}

#[gen_server]
impl Ledger {
    /// The child reads its fencing token from its node's view of the cluster: this node
    /// claimed the name before starting it.
    fn init(cluster: Cluster<MemoryBackend>) -> Self {
        let token = cluster
            .lookup("ledger")
            .filter(|name| name.node == cluster.node())
            .map_or(0, |name| name.token.0);
        Ledger { entries: 0, token }
    }

    #[call]
    fn append(&mut self) -> (u64, i64) {
        self.entries += 1;
        (self.entries, self.token)
    }
}

struct Counter(u64);

#[gen_server]
impl Counter {
    fn init(start: u64) -> Self {
        Counter(start)
    }

    #[call]
    fn get(&self) -> u64 {
        self.0
    }
}

async fn pending() {
    std::future::pending::<()>().await
}

async fn join(store: &MemoryBackend, node: &str) -> Cluster<MemoryBackend> {
    let config = ClusterConfig::new("shop", node).ttl(Duration::from_secs(3));
    Cluster::join(store.clone(), config).await.unwrap()
}

supervision_tree! {
    /// A node's tree: a local counter on every node, one ledger and one scheduler in the
    /// cluster.
    pub struct Node(start: u64, cluster: Cluster<MemoryBackend>);
    node: supervisor {
        counter: Counter(start),
        ledger: Ledger(cluster.clone()) { scope = global, restart = transient },
        scheduler: task(pending) { scope = global },
        stats: Counter(0) { scope = local },
    }
}

#[tokio::test(start_paused = true)]
async fn the_item_form_runs_its_global_children_on_one_node() {
    let store = MemoryBackend::new();
    let (a, b) = (join(&store, "a").await, join(&store, "b").await);
    let mut b_events = b.subscribe();
    let on_a = Node::start_in_cluster(&a, 1, a.clone()).await.unwrap();
    let token = on_a.wait_holding("ledger").await;
    on_a.wait_holding("scheduler").await;
    let on_b = Node::start_in_cluster(&b, 2, b.clone()).await.unwrap();
    // Local children run on both nodes.
    assert_eq!(on_a.counter.get().await, Ok(1));
    assert_eq!(on_b.counter.get().await, Ok(2));
    assert_eq!(on_b.stats.get().await, Ok(0));
    // The global one on A only, with A's token; B's client fails at once.
    assert_eq!(on_a.ledger.append().await, Ok((1, token.0)));
    assert!(matches!(
        on_b.ledger.append().await,
        Err(CallError::NotRunning { .. })
    ));
    assert_eq!(on_b.holding("ledger"), None);
    // A lets go: B takes both names over, with higher tokens, and its client reaches the
    // child there.
    on_a.shutdown().await;
    let taken = on_b.wait_holding("ledger").await;
    assert!(taken > token);
    assert_eq!(on_b.ledger.append().await, Ok((1, taken.0)));
    on_b.wait_holding("scheduler").await;
    let acquired = loop {
        if let ClusterEvent::Acquired { name, token } = b_events.recv().await.unwrap()
            && name == "ledger"
        {
            break token;
        }
    };
    assert_eq!(acquired, taken);
    on_b.shutdown().await;
    a.leave().await;
    b.leave().await;
}

#[tokio::test(start_paused = true)]
async fn the_expression_form_starts_in_a_cluster() {
    let store = MemoryBackend::new();
    let a = join(&store, "a").await;
    let cluster = a.clone();
    let app = supervision_tree! {
        app: supervisor {
            counter: Counter(7),
            ledger: Ledger(cluster.clone()) { scope = global },
        }
    }
    .start_in_cluster(&a)
    .await
    .unwrap();
    let token = app.wait_holding("ledger").await;
    assert_eq!(app.ledger.append().await, Ok((1, token.0)));
    assert_eq!(app.counter.get().await, Ok(7));
    // The global child is a child of the root while this node holds it.
    let children: Vec<String> = app
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name.to_string())
        .collect();
    assert_eq!(children, ["counter", "ledger"]);
    assert_eq!(app.shutdown().await, ExitReason::Shutdown);
    a.leave().await;
}
