//! perennial-cluster's benchmark rows (BENCHMARKS.md, "Beyond one machine"): claim latency,
//! takeover time after a holder's death, and the cost of a lookup in the local cache against
//! a local registry lookup.
//!
//! ```sh
//! cargo run -p perennial-cluster --release --example cluster_bench            # needs `etcd`
//! cargo run -p perennial-cluster --release --example cluster_bench -- --quick
//! ```
//!
//! It starts its own etcd on free 127.0.0.1 ports (the tests' harness) and kills exactly that
//! process when done. A takeover is timed from the moment the holder stops renewing its lease
//! (as a dead node does) to the moment another node runs the child; it is bounded by the
//! lease TTL, so the row gives the TTL beside it.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use perennial_cluster::{Cluster, ClusterConfig, GlobalChild, GlobalTree};
use perennial_runtime::Registry;
use perennial_runtime::supervisor::SupervisorSpec;
use perennial_runtime::{Context, ExitReason, GenServer, ServerBuilder};

const TTL: Duration = Duration::from_secs(2);

/// The server type the names are claimed for (and the local registry's entry).
struct Ledger;

impl GenServer for Ledger {
    type Args = ();
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = std::convert::Infallible;
    type Error = std::convert::Infallible;

    async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Self::Error> {
        Ok(Ledger)
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "--quick");
    let (claims, takeovers, lookups) = if quick {
        (50, 2, 100_000)
    } else {
        (500, 5, 2_000_000)
    };
    let Some(etcd) = common::Etcd::start().await else {
        return Err("this benchmark needs etcd (apt-get install etcd-server)".into());
    };
    println!(
        "etcd (pid {}) at {}; load average {}",
        etcd.pid(),
        etcd.endpoint,
        load_average()
    );
    let endpoint = etcd.endpoint.clone();
    let config = |node: &str| ClusterConfig::new("bench", node).ttl(TTL);

    // Claim latency: one transaction ("create if absent" under the lease), then the release.
    let a = Cluster::connect([endpoint.as_str()], config("a")).await?;
    let (mut claim_us, mut release_us) = (Vec::new(), Vec::new());
    for i in 0..claims {
        let name = format!("name-{i}");
        let start = Instant::now();
        let claim = a.claim::<Ledger>(&name).await?;
        claim_us.push(start.elapsed().as_secs_f64() * 1e6);
        let start = Instant::now();
        a.release(&claim).await?;
        release_us.push(start.elapsed().as_secs_f64() * 1e6);
    }
    row("claim (etcd txn, loopback)", "µs", &mut claim_us);
    row("release with the token", "µs", &mut release_us);

    // Lookup cost: the cluster's local cache against a local registry lookup of one name.
    let held = a.claim::<Ledger>("held").await?;
    let until = Instant::now() + TTL;
    while a.lookup("held").is_none() && Instant::now() < until {
        tokio::task::yield_now().await;
    }
    let registry = Registry::new();
    let server = ServerBuilder::<Ledger>::new()
        .register(&registry, "held")
        .start(())
        .await?;
    let (mut global_ns, mut local_ns) = (Vec::new(), Vec::new());
    for _ in 0..11 {
        let start = Instant::now();
        for _ in 0..lookups {
            black_box(a.lookup(black_box("held")));
        }
        global_ns.push(start.elapsed().as_secs_f64() * 1e9 / lookups as f64);
        let start = Instant::now();
        for _ in 0..lookups {
            let _ = black_box(registry.lookup::<Ledger>(black_box("held")));
        }
        local_ns.push(start.elapsed().as_secs_f64() * 1e9 / lookups as f64);
    }
    let (global, local) = (median(&mut global_ns), median(&mut local_ns));
    row("lookup, cluster cache", "ns", &mut global_ns);
    row("lookup, local registry", "ns", &mut local_ns);
    println!("  cache / local registry: {:.2}x", global / local);
    let _ = server.stop(ExitReason::Normal).await;
    a.release(&held).await?;

    // Takeover: b stands by while a runs the child; a stops renewing (a dead node, to etcd).
    let mut takeover_ms = Vec::new();
    for round in 0..takeovers {
        let name = format!("ledger-{round}");
        let child = || GlobalChild::task(name.clone(), |_| std::future::pending::<()>());
        let a = Cluster::connect([endpoint.as_str()], config(&format!("a{round}"))).await?;
        let b = Cluster::connect([endpoint.as_str()], config(&format!("b{round}"))).await?;
        let on_a = GlobalTree::new(SupervisorSpec::new("app"))
            .global(child())
            .start(&a)
            .await?;
        let first = on_a.wait_holding(&name).await;
        let on_b = GlobalTree::new(SupervisorSpec::new("app"))
            .global(child())
            .start(&b)
            .await?;
        let died = Instant::now();
        a.suspend_renewals(true);
        let second = tokio::time::timeout(TTL * 3, on_b.wait_holding(&name)).await?;
        takeover_ms.push(died.elapsed().as_secs_f64() * 1e3);
        assert!(second > first, "a takeover has a higher token");
        on_b.shutdown().await;
        on_a.shutdown().await;
        b.leave().await;
        a.leave().await;
    }
    row(
        &format!("takeover after a holder's death (TTL {TTL:?})"),
        "ms",
        &mut takeover_ms,
    );
    drop(etcd);
    Ok(())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn row(what: &str, unit: &str, v: &mut [f64]) {
    let m = median(v);
    println!(
        "{what:<48} median {m:>10.2} {unit}  [{:.2}–{:.2}]  n={}",
        v[0],
        v[v.len() - 1],
        v.len()
    );
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
