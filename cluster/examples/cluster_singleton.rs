//! Three nodes as three processes on loopback, one etcd, one global `ledger` child: kill the
//! node that runs it and watch another take over with a higher fencing token.
//!
//! ```sh
//! cargo run -p perennial-cluster --example cluster_singleton   # needs `etcd` on PATH
//! ```
//!
//! The example starts its own etcd on a free 127.0.0.1 port (the tests' harness), starts
//! itself three times as `node <name> <endpoint>`, and kills exactly the processes it started.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Stdio;
use std::time::Duration;

use perennial_cluster::{Cluster, ClusterConfig, ClusterEvent, GlobalChild, GlobalTree};
use perennial_runtime::supervisor::SupervisorSpec;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

const TTL: Duration = Duration::from_secs(2);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, mode, name, endpoint] = &args[..]
        && mode == "node"
    {
        return node(name, endpoint).await;
    }
    let Some(etcd) = common::Etcd::start().await else {
        return Err("this example needs etcd (apt-get install etcd-server)".into());
    };
    println!("etcd (pid {}) answers at {}", etcd.pid(), etcd.endpoint);

    let (lines, mut rx) = mpsc::unbounded_channel();
    let mut nodes = Vec::new();
    for name in ["a", "b", "c"] {
        nodes.push((name, spawn_node(name, &etcd.endpoint, lines.clone())?));
    }
    let first = wait_holder(&mut rx).await?;
    println!("-> node {} runs the ledger with token {}", first.0, first.1);

    let (_, holder) = nodes
        .iter_mut()
        .find(|(name, _)| *name == first.0)
        .ok_or("the holder is one of ours")?;
    println!("-> killing node {} (pid {:?})", first.0, holder.id());
    let killed = Instant::now();
    holder.kill().await?;

    let second = wait_holder(&mut rx).await?;
    println!(
        "-> node {} took over with token {} after {:.1?} (the lease TTL is {TTL:?})",
        second.0,
        second.1,
        killed.elapsed()
    );
    assert!(second.1 > first.1, "a takeover always has a higher token");
    for (_, mut child) in nodes {
        let _ = child.kill().await;
    }
    Ok(())
}

/// Starts this program as a node; its stdout lines arrive on `lines`, prefixed.
fn spawn_node(
    name: &'static str,
    endpoint: &str,
    lines: mpsc::UnboundedSender<String>,
) -> Result<Child, Box<dyn std::error::Error>> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["node", name, endpoint])
        .stdin(Stdio::piped()) // the node exits when this end closes
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("a piped stdout")?;
    tokio::spawn(async move {
        let mut reader = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            println!("   [node {name}] {line}");
            let _ = lines.send(line);
        }
    });
    Ok(child)
}

/// Waits for a node to say it runs the ledger: (node, token).
async fn wait_holder(
    rx: &mut mpsc::UnboundedReceiver<String>,
) -> Result<(String, i64), Box<dyn std::error::Error>> {
    let found = timeout(TTL * 5, async {
        while let Some(line) = rx.recv().await {
            if let Some(rest) = line.strip_prefix("running the ledger on ") {
                let mut words = rest.split(" with token ");
                if let (Some(node), Some(token)) = (words.next(), words.next()) {
                    return token.parse().ok().map(|t| (node.to_owned(), t));
                }
            }
        }
        None
    })
    .await?;
    found.ok_or_else(|| "no node took the ledger".into())
}

/// One node: join, run the tree with the global ledger, print what happens.
async fn node(name: &str, endpoint: &str) -> Result<(), Box<dyn std::error::Error>> {
    let cluster = Cluster::connect([endpoint], ClusterConfig::new("demo", name).ttl(TTL)).await?;
    let mut events = cluster.subscribe();
    let ledger = GlobalChild::task("ledger", |claim| {
        println!(
            "running the ledger on {} with token {}",
            claim.node, claim.token
        );
        std::future::pending::<()>()
    });
    let tree = GlobalTree::new(SupervisorSpec::new("app"))
        .global(ledger)
        .start(&cluster)
        .await?;
    println!("joined; members: {:?}", cluster.members());
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(ClusterEvent::NodeUp { node }) => println!("node {node} is up"),
                Ok(ClusterEvent::NodeDown { node }) => println!("node {node} is down"),
                Ok(ClusterEvent::Fenced { name, token }) => println!("fenced {name} (token {token})"),
                Ok(_) => {}
                Err(_) => break,
            },
            // The parent closed our stdin (or is gone): leave in order.
            line = stdin.next_line() => if !matches!(line, Ok(Some(_))) { break },
        }
    }
    tree.shutdown().await;
    cluster.leave().await;
    Ok(())
}
