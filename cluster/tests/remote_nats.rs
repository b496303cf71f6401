//! Remote calls over a real nats-server and etcd on loopback, between node processes: this
//! test binary runs itself again as a node (`node_process`, with `PERENNIAL_TEST_NODE` set),
//! so killing a node kills a real process and its real connections.

mod common;
mod servers;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Etcd;
use common::nats::Nats;
use perennial_cluster::{
    Cluster, ClusterConfig, EtcdBackend, GlobalChild, GlobalTree, NatsTransport, RunningTree,
};
use perennial_runtime::supervisor::SupervisorSpec;
use perennial_runtime::{CallError, ExitReason};
use servers::{Ledger, LedgerCall, LedgerReply};

/// The lease TTL of every node: etcd's minimum is 1 s; 2 s keeps the tests short.
const TTL: Duration = Duration::from_secs(2);

fn config(node: &str, nats: NatsTransport) -> ClusterConfig {
    ClusterConfig::new("remote", node)
        .ttl(TTL)
        .with_transport(nats)
}

fn ledger_tree() -> GlobalTree {
    GlobalTree::new(SupervisorSpec::new("app"))
        .global(GlobalChild::exported::<Ledger>("ledger", |claim| {
            claim.token.0
        }))
}

/// Not a test of its own: the body of a node process that the other tests spawn (this binary,
/// run again with `PERENNIAL_TEST_NODE=<etcd> <nats> <node>`). Without it, returns at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_process() {
    let Ok(spec) = std::env::var("PERENNIAL_TEST_NODE") else {
        return;
    };
    let [etcd, nats, node]: [&str; 3] = spec
        .split(' ')
        .collect::<Vec<_>>()
        .try_into()
        .expect("PERENNIAL_TEST_NODE=<etcd> <nats> <node>");
    let nats = NatsTransport::connect(nats).await.expect("nats");
    let cluster = Cluster::connect([etcd], config(node, nats))
        .await
        .expect("joins");
    let tree = ledger_tree()
        .start(&cluster)
        .await
        .expect("the tree starts");
    let token = tree.wait_holding("ledger").await;
    println!("HOLDING {token}");
    std::future::pending::<()>().await;
}

/// A node process, killed (SIGKILL, by its PID) when dropped.
struct NodeProcess {
    child: Child,
}

impl NodeProcess {
    /// Starts node `node` and waits (up to 20 s) until it holds the ledger; returns it and
    /// its token.
    async fn start(etcd: &Etcd, nats: &Nats, node: &str) -> (NodeProcess, i64) {
        let exe = std::env::current_exe().expect("the test binary");
        let mut child = Command::new(exe)
            .args(["node_process", "--exact", "--nocapture", "--test-threads=1"])
            .env(
                "PERENNIAL_TEST_NODE",
                format!("{} {} {node}", etcd.endpoint, nats.url),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the node process starts");
        let stdout = child.stdout.take().expect("its stdout");
        let process = NodeProcess { child };
        let holding = tokio::task::spawn_blocking(move || {
            for line in BufReader::new(stdout).lines() {
                // (libtest writes "test node_process ... " before it, on the same line)
                if let Some((_, token)) = line.ok()?.split_once("HOLDING ") {
                    return token.trim().parse::<i64>().ok();
                }
            }
            None
        });
        // On a timeout or a failure, `process` drops and kills the node.
        match tokio::time::timeout(Duration::from_secs(20), holding).await {
            Ok(Ok(Some(token))) => (process, token),
            _ => panic!("node {node} did not hold the ledger within 20 s"),
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits (real time, bounded) until `node`'s cache shows `name` held by `holder`.
async fn sees(node: &Cluster<EtcdBackend>, name: &str, holder: &str) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(held) = node.lookup(name).filter(|n| n.node == holder) {
            return held.token.0;
        }
        assert!(
            Instant::now() < deadline,
            "{} never saw {name} on {holder}",
            node.node()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn in_process(etcd: &Etcd, nats: &Nats, node: &str) -> Cluster<EtcdBackend> {
    Cluster::connect([&etcd.endpoint], config(node, nats.connect().await))
        .await
        .expect("joins")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn across_processes_calls_casts_crashes_kills_and_takeovers() {
    let (Some(etcd), Some(nats)) = (Etcd::start().await, Nats::start().await) else {
        return;
    };
    let (mut a, first) = NodeProcess::start(&etcd, &nats, "a").await;
    let b = in_process(&etcd, &nats, "b").await;
    let c = in_process(&etcd, &nats, "c").await;
    let standby: RunningTree = ledger_tree().start(&b).await.expect("b stands by");
    assert_eq!(sees(&c, "ledger", "a").await, first);

    // A typed call and a cast, from node c to the process of node a.
    let ledger = c.remote::<Ledger>("ledger").expect("a remote client");
    assert_eq!(
        ledger.call(LedgerCall::Add(2)).await,
        Ok(LedgerReply::Total(2))
    );
    ledger.cast("hello".into()).expect("cast published");
    assert_eq!(
        ledger.call(LedgerCall::Notes).await,
        Ok(LedgerReply::Notes(vec!["hello".into()]))
    );
    assert_eq!(
        ledger.call(LedgerCall::Token).await,
        Ok(LedgerReply::Token(first))
    );

    // The server crashes mid-call: Exited with its panic, and a's supervisor restarts it.
    match ledger.call(LedgerCall::Crash("mid-call".into())).await {
        Err(CallError::Exited(ExitReason::Panic(m))) => assert!(m.contains("mid-call"), "{m}"),
        other => panic!("expected Exited(Panic), got {other:?}"),
    }
    assert!(matches!(
        ledger.call(LedgerCall::Add(1)).await,
        Ok(LedgerReply::Total(1))
    ));

    // Node a's process is killed: its subscription dies with its connection, so calls fail
    // with NotRunning at once, long before its lease expires.
    a.kill();
    let killed = Instant::now();
    // A request routed to the dead connection before the NATS server noticed the closed
    // socket is lost: it times out. So the probes are short, and only NotRunning ends them.
    let probe = ledger.with_timeout(TTL / 8);
    loop {
        match probe.call(LedgerCall::Add(1)).await {
            Err(CallError::NotRunning { .. }) => break,
            Ok(_) | Err(CallError::Timeout(_)) if killed.elapsed() < TTL => {}
            other => panic!("expected NotRunning after the kill, got {other:?}"),
        }
    }
    assert!(
        killed.elapsed() < TTL,
        "NotRunning took {:?}",
        killed.elapsed()
    );

    // Node b takes the name over once a's lease expires; the same client follows it.
    let second = tokio::time::timeout(TTL * 4, standby.wait_holding("ledger"))
        .await
        .expect("b takes over within the TTL and a margin");
    assert!(second.0 > first);
    sees(&c, "ledger", "b").await;
    assert_eq!(
        ledger.call(LedgerCall::Token).await,
        Ok(LedgerReply::Token(second.0))
    );
    standby.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_nats_server_is_a_timeout_and_calls_succeed_after_it_resumes() {
    let (Some(etcd), Some(nats)) = (Etcd::start().await, Nats::start().await) else {
        return;
    };
    let a = in_process(&etcd, &nats, "a").await;
    let c = in_process(&etcd, &nats, "c").await;
    let tree = ledger_tree().start(&a).await.expect("the tree starts");
    tree.wait_holding("ledger").await;
    sees(&c, "ledger", "a").await;
    let ledger = c
        .remote::<Ledger>("ledger")
        .expect("a remote client")
        .with_timeout(Duration::from_millis(300));
    assert_eq!(
        ledger.call(LedgerCall::Add(1)).await,
        Ok(LedgerReply::Total(1))
    );

    nats.pause();
    let paused = ledger.call(LedgerCall::Add(1)).await;
    nats.resume();
    assert_eq!(paused, Err(CallError::Timeout(Duration::from_millis(300))));
    // The timed-out call's outcome was unknown: it reached the server once it resumed.
    let after = ledger
        .with_timeout(Duration::from_secs(5))
        .call(LedgerCall::Add(1))
        .await;
    assert!(
        matches!(after, Ok(LedgerReply::Total(2 | 3))),
        "calls succeed after SIGCONT: {after:?}"
    );
    tree.shutdown().await;
}
