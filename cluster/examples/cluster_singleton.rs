//! Three nodes as three processes on loopback, one etcd, one nats-server, one global `ledger`
//! gen_server, exported: nodes `a` and `b` can run it, node `c` keeps calling it through its
//! typed client and prints each answer. Kill the node that runs it and watch `c`'s calls fail
//! at once (`NotRunning`: nobody serves the subject) until the other node takes over with a
//! higher fencing token, then reach the new holder — the same client, nothing re-created.
//!
//! ```sh
//! cargo run -p perennial-cluster --example cluster_singleton   # needs etcd and nats-server
//! ```
//!
//! The example starts its own etcd and nats-server on free 127.0.0.1 ports (the tests'
//! harness), starts itself three times as `node <name> <etcd> <nats>` (and `client` for `c`),
//! and kills exactly the processes it started. The ledger's total is the state of one
//! incarnation: the new holder starts from zero (keep what must survive a node in a store,
//! written with the fencing token).

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Stdio;
use std::time::Duration;

use perennial_cluster::{
    Cluster, ClusterConfig, ClusterEvent, GlobalChild, GlobalTree, NatsTransport,
};
use perennial_runtime::supervisor::SupervisorSpec;
use perennial_runtime::{CallError, Client, Context, GenServer, HasClient};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

const TTL: Duration = Duration::from_secs(2);

/// The global server: adds to a total; says who it is in every reply.
struct Ledger {
    total: u64,
    node: String,
    token: i64,
}

#[derive(Serialize, Deserialize, Debug)]
enum LedgerCall {
    Add(u64),
}

/// The total, and the node and token of the incarnation that answered.
#[derive(Serialize, Deserialize, Debug)]
struct Answer {
    total: u64,
    node: String,
    token: i64,
}

impl GenServer for Ledger {
    type Args = (String, i64);
    type Call = LedgerCall;
    type Reply = Answer;
    type Cast = ();
    type Info = ();
    type Continue = std::convert::Infallible;
    type Error = std::convert::Infallible;

    async fn init(
        (node, token): (String, i64),
        _: &mut Context<Self>,
    ) -> Result<Self, Self::Error> {
        Ok(Ledger {
            total: 0,
            node,
            token,
        })
    }

    async fn handle_call(&mut self, call: LedgerCall, _: &mut Context<Self>) -> Answer {
        let LedgerCall::Add(n) = call;
        self.total += n;
        Answer {
            total: self.total,
            node: self.node.clone(),
            token: self.token,
        }
    }
}

impl HasClient for Ledger {
    type Client = Client<Ledger>;
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, mode, name, etcd, nats] = &args[..] {
        match mode.as_str() {
            "node" => return node(name, etcd, nats).await,
            "client" => return client(name, etcd, nats).await,
            _ => {}
        }
    }
    let Some(etcd) = common::Etcd::start().await else {
        return Err("this example needs etcd (apt-get install etcd-server)".into());
    };
    let Some(nats) = common::nats::Nats::start().await else {
        return Err("this example needs nats-server (apt-get install nats-server)".into());
    };
    println!("etcd (pid {}) answers at {}", etcd.pid(), etcd.endpoint);
    println!("nats-server (pid {}) answers at {}", nats.pid(), nats.url);

    let (lines, mut rx) = mpsc::unbounded_channel();
    let mut nodes = Vec::new();
    for (name, mode) in [("a", "node"), ("b", "node"), ("c", "client")] {
        let child = spawn_node(name, mode, &etcd.endpoint, &nats.url, lines.clone())?;
        nodes.push((name, child));
    }
    let first = wait_holder(&mut rx).await?;
    println!("-> node {} runs the ledger with token {}", first.0, first.1);
    wait_answers(&mut rx, &first.0, 3).await?;

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
    wait_answers(&mut rx, &second.0, 3).await?;
    println!(
        "-> node c's client reached node {} without being re-created",
        second.0
    );
    for (_, mut child) in nodes {
        let _ = child.kill().await;
    }
    Ok(())
}

/// Starts this program as a node (`mode`: `node` or `client`); its stdout lines arrive on
/// `lines`, prefixed.
fn spawn_node(
    name: &'static str,
    mode: &str,
    etcd: &str,
    nats: &str,
    lines: mpsc::UnboundedSender<String>,
) -> Result<Child, Box<dyn std::error::Error>> {
    let mut child = Command::new(std::env::current_exe()?)
        .args([mode, name, etcd, nats])
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

/// Waits until node c has printed `n` answers from `holder`.
async fn wait_answers(
    rx: &mut mpsc::UnboundedReceiver<String>,
    holder: &str,
    n: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let from = format!("from node {holder} ");
    let mut seen = 0;
    timeout(TTL * 5, async {
        while seen < n {
            match rx.recv().await {
                Some(line) if line.starts_with("answer: ") && line.contains(&from) => seen += 1,
                Some(_) => {}
                None => break,
            }
        }
    })
    .await?;
    if seen < n {
        return Err(format!("node c got no answers from node {holder}").into());
    }
    Ok(())
}

/// How a node joins: the cluster `demo` on etcd, its calls over NATS.
async fn join(
    name: &str,
    etcd: &str,
    nats: &str,
) -> Result<Cluster<perennial_cluster::EtcdBackend>, Box<dyn std::error::Error>> {
    let nats = NatsTransport::connect(nats).await?;
    let config = ClusterConfig::new("demo", name)
        .ttl(TTL)
        .with_transport(nats);
    Ok(Cluster::connect([etcd], config).await?)
}

/// Node c: no ledger of its own; calls the global one every 200 ms and prints each outcome.
async fn client(name: &str, etcd: &str, nats: &str) -> Result<(), Box<dyn std::error::Error>> {
    let cluster = join(name, etcd, nats).await?;
    println!("joined; calling the ledger every 200 ms");
    let ledger = cluster
        .remote::<Ledger>("ledger")?
        .with_timeout(Duration::from_secs(1));
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            _ = tick.tick() => match ledger.call(LedgerCall::Add(1)).await {
                Ok(Answer { total, node, token }) => {
                    println!("answer: total {total} from node {node} (token {token})")
                }
                // Between a holder's death and its lease's expiry, nobody serves the name.
                Err(CallError::NotRunning { .. }) => println!("not running: nobody holds or serves the ledger now"),
                Err(e) => println!("error: {e}"),
            },
            line = stdin.next_line() => if !matches!(line, Ok(Some(_))) { break },
        }
    }
    cluster.leave().await;
    Ok(())
}

/// One node: join, run the tree with the global ledger, print what happens.
async fn node(name: &str, etcd: &str, nats: &str) -> Result<(), Box<dyn std::error::Error>> {
    let cluster = join(name, etcd, nats).await?;
    let mut events = cluster.subscribe();
    let ledger = GlobalChild::exported::<Ledger>("ledger", |claim| {
        println!(
            "running the ledger on {} with token {}",
            claim.node, claim.token
        );
        (claim.node.clone(), claim.token.0)
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
