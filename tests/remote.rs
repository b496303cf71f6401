//! `#[gen_server(remote)]` (the `cluster` feature): the generated client reaches a server on
//! another node, with the same methods as a local one. Against the in-memory store and bus;
//! the real NATS tests are perennial-cluster's.

#![cfg(feature = "cluster")]

use std::time::Duration;

use perennial::cluster::{
    Cluster, ClusterConfig, GlobalChild, GlobalTree, MemoryBackend, MemoryTransport,
};
use perennial::prelude::*;
use perennial::supervisor::SupervisorSpec;
/// An account and an amount in cents. (Your own types derive `serde::Serialize` and
/// `serde::Deserialize`; std's already implement them.)
pub type Entry = (String, i64);

/// The server.
pub struct Ledger {
    entries: Vec<Entry>,
}

#[gen_server(remote)]
impl Ledger {
    fn init() -> Self {
        Ledger {
            entries: Vec::new(),
        }
    }

    /// Appends an entry; replies with how many there are.
    #[call]
    fn append(&mut self, entry: Entry) -> usize {
        self.entries.push(entry);
        self.entries.len()
    }

    #[call]
    fn balance(&self, account: String) -> i64 {
        self.entries
            .iter()
            .filter(|(owner, _)| *owner == account)
            .map(|(_, cents)| cents)
            .sum()
    }

    #[cast]
    fn clear(&mut self) {
        self.entries.clear();
    }
}

/// No casts at all: still a remote server.
/// The server.
pub struct Clock;

#[gen_server(remote)]
impl Clock {
    fn init() -> Self {
        Clock
    }

    #[call]
    fn now(&self) -> u64 {
        42
    }
}

async fn join(store: &MemoryBackend, bus: &MemoryTransport, node: &str) -> Cluster<MemoryBackend> {
    let config = ClusterConfig::new("shop", node)
        .ttl(Duration::from_secs(3))
        .with_transport(bus.clone());
    Cluster::join(store.clone(), config).await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_generated_client_calls_a_server_on_another_node() {
    let (store, bus) = (MemoryBackend::new(), MemoryTransport::new());
    let a = join(&store, &bus, "a").await;
    let c = join(&store, &bus, "c").await;
    let tree = GlobalTree::new(SupervisorSpec::new("app"))
        .global(GlobalChild::exported::<Ledger>("ledger", |_| ()))
        .global(GlobalChild::exported::<Clock>("clock", |_| ()))
        .start(&a)
        .await
        .unwrap();
    tree.wait_holding("ledger").await;
    tree.wait_holding("clock").await;
    c.wait_lookup("ledger", |_| true).await;
    c.wait_lookup("clock", |_| true).await;

    let ledger: LedgerClient = c.remote::<Ledger>("ledger").unwrap();
    let entry = |cents| ("ada".to_owned(), cents);
    assert_eq!(ledger.append(entry(5)).await, Ok(1));
    assert_eq!(ledger.append(entry(-2)).await, Ok(2));
    assert_eq!(ledger.balance("ada".into()).await, Ok(3));
    ledger.clear().unwrap();
    assert_eq!(ledger.balance("ada".into()).await, Ok(0));
    ledger.ping().await.unwrap();
    let clock: ClockClient = c.remote::<Clock>("clock").unwrap();
    assert_eq!(clock.now().await, Ok(42));
    tree.shutdown().await;
    assert!(matches!(
        ledger.balance("ada".into()).await,
        Err(CallError::NotRunning { .. })
    ));
}

/// `scope = global` children of `supervision_tree!`: a remote server is exported unless
/// `export = false`; `export = true` says so (and asks that the server be remote).
#[tokio::test(start_paused = true)]
async fn a_tree_exports_its_global_remote_children() {
    let (store, bus) = (MemoryBackend::new(), MemoryTransport::new());
    let a = join(&store, &bus, "a").await;
    let c = join(&store, &bus, "c").await;
    let app = perennial::supervision_tree! {
        app: supervisor {
            ledger: Ledger() { scope = global },
            clock: Clock() { scope = global, export = true },
            quiet: Clock() { scope = global, export = false },
        }
    }
    .start_in_cluster(&a)
    .await
    .unwrap();
    for name in ["ledger", "clock", "quiet"] {
        app.wait_holding(name).await;
        c.wait_lookup(name, |_| true).await;
    }
    // From node c, through the generated clients.
    let ledger: LedgerClient = c.remote::<Ledger>("ledger").unwrap();
    assert_eq!(ledger.append(("ada".into(), 5)).await, Ok(1));
    let clock: ClockClient = c.remote::<Clock>("clock").unwrap();
    assert_eq!(clock.now().await, Ok(42));
    // Not exported: nobody serves its subject, so the call fails at once.
    let quiet: ClockClient = c.remote::<Clock>("quiet").unwrap();
    assert!(matches!(
        quiet.now().await,
        Err(CallError::NotRunning { .. })
    ));
    // The tree's own clients reach them on node a, exported or not.
    assert_eq!(app.ledger.balance("ada".into()).await, Ok(5));
    assert_eq!(app.quiet.now().await, Ok(42));
    app.shutdown().await;
}
