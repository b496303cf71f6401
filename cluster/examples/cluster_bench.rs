//! perennial-cluster's benchmark rows (BENCHMARKS.md, "Beyond one machine"): claim latency,
//! takeover time after a holder's death, the cost of a lookup in the local cache against a
//! local registry lookup, and remote calls and casts over NATS against raw `async-nats`
//! request-reply and publish with the same payload.
//!
//! ```sh
//! cargo run -p perennial-cluster --release --example cluster_bench   # needs etcd, nats-server
//! cargo run -p perennial-cluster --release --example cluster_bench -- --quick
//! ```
//!
//! It starts its own etcd and nats-server on free 127.0.0.1 ports (the tests' harness) and
//! kills exactly those processes when done. A takeover is timed from the moment the holder
//! stops renewing its lease (as a dead node does) to the moment another node runs the child;
//! it is bounded by the lease TTL, so the row gives the TTL beside it.
//!
//! The remote rows run two nodes in this process, each with its own NATS connection (as two
//! processes would have), on this one current-thread runtime; nats-server runs beside it. The
//! raw rows use the same two connections and the same payload bytes (the postcard encoding
//! of the perennial call): without headers, the floor a hand-written responder gets; and with
//! headers of the same sizes as perennial's (a status header on the reply), to tell what the
//! headers cost in NATS from what perennial adds.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use perennial_cluster::{Cluster, ClusterConfig, EtcdBackend, GlobalChild, GlobalTree};
use perennial_runtime::Registry;
use perennial_runtime::supervisor::SupervisorSpec;
use perennial_runtime::{Client, Context, ExitReason, GenServer, HasClient, ServerBuilder};
use serde::{Deserialize, Serialize};

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

/// The remote rows' server: echoes a call's bytes back, counts the casts.
struct Echo {
    casts: u64,
}

#[derive(Serialize, Deserialize)]
enum EchoCall {
    Echo(Vec<u8>),
    Casts,
}

#[derive(Serialize, Deserialize)]
enum EchoReply {
    Echo(Vec<u8>),
    Casts(u64),
}

impl GenServer for Echo {
    type Args = ();
    type Call = EchoCall;
    type Reply = EchoReply;
    type Cast = Vec<u8>;
    type Info = ();
    type Continue = std::convert::Infallible;
    type Error = std::convert::Infallible;

    async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Self::Error> {
        Ok(Echo { casts: 0 })
    }

    async fn handle_call(&mut self, call: EchoCall, _: &mut Context<Self>) -> EchoReply {
        match call {
            EchoCall::Echo(bytes) => EchoReply::Echo(bytes),
            EchoCall::Casts => EchoReply::Casts(self.casts),
        }
    }

    async fn handle_cast(&mut self, _: Vec<u8>, _: &mut Context<Self>) {
        self.casts += 1;
    }
}

impl HasClient for Echo {
    type Client = Client<Echo>;
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
    remote_rows(&endpoint, quick).await?;
    drop(etcd);
    Ok(())
}

/// Remote calls and casts against raw async-nats with the same payloads.
async fn remote_rows(endpoint: &str, quick: bool) -> Result<(), Box<dyn std::error::Error>> {
    let (rounds, calls, casts) = if quick {
        (5, 400, 20_000)
    } else {
        (11, 2_000, 200_000)
    };
    let Some(nats) = common::nats::Nats::start().await else {
        return Err("this benchmark needs nats-server (apt-get install nats-server)".into());
    };
    println!(
        "nats-server (pid {}) at {}; load average {}",
        nats.pid(),
        nats.url,
        load_average()
    );
    let (server_conn, client_conn) = (nats.connect().await, nats.connect().await);
    let (server_raw, client_raw) = (server_conn.client().clone(), client_conn.client().clone());
    let config = |node: &str, transport| {
        ClusterConfig::new("bench-remote", node)
            .ttl(TTL)
            .with_transport(transport)
    };
    let a = Cluster::connect([endpoint], config("a", server_conn)).await?;
    let c = Cluster::connect([endpoint], config("c", client_conn)).await?;
    let tree = GlobalTree::new(SupervisorSpec::new("app"))
        .global(GlobalChild::exported::<Echo>("echo", |_| ()))
        .start(&a)
        .await?;
    tree.wait_holding("echo").await;
    wait_seen(&c, "echo").await?;
    let echo: Client<Echo> = c.remote::<Echo>("echo")?;

    // The raw floor: a responder on the server's connection that answers every request with
    // its payload, as a hand-written async-nats service would.
    let mut raw_requests = server_raw.subscribe("bench.raw.echo").await?;
    server_raw.flush().await?;
    let responder = server_raw.clone();
    let raw_server = tokio::spawn(async move {
        while let Some(message) = next(&mut raw_requests).await {
            if let Some(reply) = message.reply {
                let _ = match message.headers {
                    // The headed variant answers with a status header, as perennial does.
                    Some(_) => {
                        let mut status = async_nats::HeaderMap::new();
                        status.insert("Perennial-Status", "ok");
                        responder
                            .publish_with_headers(reply, status, message.payload)
                            .await
                    }
                    None => responder.publish(reply, message.payload).await,
                };
            }
        }
    });

    for size in [16usize, 1024] {
        let bytes = vec![7u8; size];
        let payload = Bytes::from(postcard::to_allocvec(&EchoCall::Echo(bytes.clone()))?);
        // The headers a perennial call carries (the same sizes), for the headed raw variant.
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Perennial-Kind", "call");
        headers.insert("Perennial-Token", "1234567");
        headers.insert("Perennial-Deadline-Ms", "5000");
        let raw_request = |headed: bool| {
            let request = async_nats::Request::new().payload(payload.clone());
            let request = if headed {
                request.headers(headers.clone())
            } else {
                request
            };
            client_raw.send_request("bench.raw.echo", request)
        };
        let mut times: [Vec<f64>; 3] = Default::default();
        // Warm the paths up, then take turns round by round (who goes first rotates).
        for _ in 0..200 {
            echo.call(EchoCall::Echo(bytes.clone())).await?;
            raw_request(false).await?;
            raw_request(true).await?;
        }
        for round in 0..rounds {
            for turn in 0..3 {
                let who = (round + turn) % 3;
                for _ in 0..calls {
                    let start = Instant::now();
                    if who == 0 {
                        let reply = echo.call(EchoCall::Echo(bytes.clone())).await?;
                        assert!(matches!(reply, EchoReply::Echo(b) if b.len() == size));
                    } else {
                        let reply = raw_request(who == 2).await?;
                        assert_eq!(reply.payload.len(), payload.len());
                    }
                    times[who].push(start.elapsed().as_secs_f64() * 1e6);
                }
            }
        }
        let [ours, raw, headed] = &mut times;
        let (m_ours, m_raw, m_headed) = (median(ours), median(raw), median(headed));
        let p99 = |v: &[f64]| v[v.len() * 99 / 100];
        println!(
            "remote call, {size} B payload: p99 {:.2} µs (raw {:.2} µs, raw with headers {:.2} µs)",
            p99(ours),
            p99(raw),
            p99(headed)
        );
        row(&format!("remote call, {size} B (perennial)"), "µs", ours);
        row(
            &format!("request-reply, {size} B (raw async-nats)"),
            "µs",
            raw,
        );
        row(
            &format!("request-reply, {size} B, headers (raw)"),
            "µs",
            headed,
        );
        println!(
            "  perennial / raw: {:.2}x; perennial / raw with headers: {:.2}x",
            m_ours / m_raw,
            m_ours / m_headed
        );
    }
    raw_server.abort();

    // Casts: send them all, then ask the server how many it handled until the count stops
    // moving (casts are at most once: a slow consumer's may be dropped, so count, don't wait
    // for all).
    let cast = vec![7u8; 16];
    let cast_payload = Bytes::from(postcard::to_allocvec(&cast)?);
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    let mut handled = 0;
    for _ in 0..3 {
        let before = casts_handled(&echo).await?;
        let start = Instant::now();
        for _ in 0..casts {
            echo.cast(cast.clone()).map_err(|_| "a cast was refused")?;
        }
        let sent = start.elapsed();
        let (count, done) = settle(|| casts_handled(&echo)).await?;
        let count = count - before;
        handled += count;
        ours.push(count as f64 / (done - start).as_secs_f64());
        println!(
            "  perennial: {casts} casts sent in {sent:.2?}, {count} handled in {:.2?}",
            done - start
        );
    }
    // The raw floor: a subscriber counting what arrives.
    let mut raw_casts = server_raw.subscribe("bench.raw.casts").await?;
    server_raw.flush().await?;
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = count.clone();
    let raw_server = tokio::spawn(async move {
        while next(&mut raw_casts).await.is_some() {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    for _ in 0..3 {
        let before = count.load(std::sync::atomic::Ordering::Relaxed);
        let start = Instant::now();
        for _ in 0..casts {
            client_raw
                .publish("bench.raw.casts", cast_payload.clone())
                .await?;
        }
        client_raw.flush().await?;
        let (got, done) =
            settle(|| async { Ok(count.load(std::sync::atomic::Ordering::Relaxed)) }).await?;
        raw.push((got - before) as f64 / (done - start).as_secs_f64());
        println!(
            "  raw: {casts} publishes, {} received in {:.2?}",
            got - before,
            done - start
        );
    }
    raw_server.abort();
    let (m_ours, m_raw) = (median(&mut ours), median(&mut raw));
    println!(
        "casts per second, 16 B (perennial)               median {:>10.0} /s  [{:.0}–{:.0}]  handled {handled} of {}",
        m_ours,
        ours[0],
        ours[ours.len() - 1],
        3 * casts
    );
    println!(
        "publishes per second, 16 B (raw async-nats)      median {:>10.0} /s  [{:.0}–{:.0}]",
        m_raw,
        raw[0],
        raw[raw.len() - 1]
    );
    println!("  perennial / raw: {:.2}x", m_ours / m_raw);
    tree.shutdown().await;
    c.leave().await;
    a.leave().await;
    drop(nats);
    Ok(())
}

/// How many casts the echo server has handled.
async fn casts_handled(echo: &Client<Echo>) -> Result<u64, Box<dyn std::error::Error>> {
    match echo.call(EchoCall::Casts).await? {
        EchoReply::Casts(n) => Ok(n),
        EchoReply::Echo(_) => Err("the echo server answered a count with an echo".into()),
    }
}

/// Polls `count` until it has not moved for 200 ms; returns it and when it last moved.
async fn settle<F, Fut>(mut count: F) -> Result<(u64, Instant), Box<dyn std::error::Error>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<u64, Box<dyn std::error::Error>>>,
{
    let mut last = (count().await?, Instant::now());
    loop {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let now = count().await?;
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > Duration::from_millis(200) {
            return Ok(last);
        }
    }
}

/// Waits (bounded) until `node`'s cache shows `name`.
async fn wait_seen(node: &Cluster<EtcdBackend>, name: &str) -> Result<(), String> {
    let until = Instant::now() + TTL;
    while node.lookup(name).is_none() {
        if Instant::now() > until {
            return Err(format!("{} never saw `{name}`", node.node()));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

/// The next message of a raw subscription.
async fn next(subscriber: &mut async_nats::Subscriber) -> Option<async_nats::Message> {
    use futures_core::Stream;
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *subscriber).poll_next(cx)).await
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
