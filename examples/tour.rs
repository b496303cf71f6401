//! The tour: a realistic supervision tree, then one fault after another, each narrated by the
//! tree's own log lines and followed by the tree as it now stands.
//!
//! Run it with `cargo run --example tour` (about 5 seconds).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use perennial::CancellationToken;
use perennial::supervisor::{Event, EventStream};
use perennial::{gen_server, supervision_tree};
use tokio::sync::Notify;

/// A key-value cache: the server the rest of the app talks to.
struct Cache {
    entries: HashMap<String, String>,
}

#[gen_server]
impl Cache {
    async fn init(capacity: usize) -> Self {
        Cache {
            entries: HashMap::with_capacity(capacity),
        }
    }

    #[call]
    fn get(&self, key: String) -> Option<String> {
        self.entries.get(&key).cloned()
    }

    #[call]
    fn put(&mut self, key: String, value: String) -> usize {
        self.entries.insert(key, value);
        self.entries.len()
    }

    /// A bug: the cache panics.
    #[cast]
    fn corrupt(&mut self) {
        panic!("cache index corrupted");
    }

    /// A stuck dependency: the cache stops answering anything, pings included.
    #[cast]
    async fn stall(&mut self) {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// The database pool of the `db` subtree.
struct Pool {
    connections: u32,
}

#[gen_server]
impl Pool {
    async fn init(connections: u32) -> Self {
        Pool { connections }
    }

    #[call]
    fn checkout(&self) -> u32 {
        self.connections
    }
}

/// Writes through the pool; started after it, so it gets the pool's client.
struct Writer {
    pool: PoolClient,
    written: u64,
}

#[gen_server]
impl Writer {
    async fn init(pool: PoolClient) -> Self {
        Writer { pool, written: 0 }
    }

    #[call]
    async fn write(&mut self, rows: u64) -> Result<u64, String> {
        self.pool.checkout().await.map_err(|e| e.to_string())?;
        self.written += rows;
        Ok(self.written)
    }

    /// A poisoned batch that crashes the writer every time.
    #[cast]
    fn poison(&mut self) {
        panic!("poisoned batch");
    }
}

/// A job of the dynamic pool.
struct Job {
    id: u32,
}

#[gen_server]
impl Job {
    async fn init(id: u32) -> Self {
        Job { id }
    }

    #[call]
    fn id(&self) -> u32 {
        self.id
    }
}

/// A task that ingests from upstream until upstream gives up, then returns an error. It takes
/// a shutdown token: on shutdown it flushes what it buffered, within its `shutdown` grace.
async fn ingest(upstream_closed: Arc<Notify>, shutdown: CancellationToken) -> Result<(), String> {
    tokio::select! {
        _ = upstream_closed.notified() => Err("upstream closed the connection".to_owned()),
        _ = shutdown.cancelled() => {
            tokio::time::sleep(Duration::from_millis(50)).await; // an async flush
            println!("ingest flushed its buffer before stopping");
            Ok(())
        }
    }
}

supervision_tree! {
    /// The tour's application: its type has a name, so it could live in a web server's state.
    pub struct Tour(upstream_closed: Arc<Notify>);
    app: supervisor(strategy = one_for_one, max_restarts = 5, within = 10s) {
        cache: Cache(1024) { health = { interval = 200ms, timeout = 100ms, failures = 3 } },
        ingest: task(ingest, upstream_closed.clone(), shutdown) { restart = permanent, shutdown = 1s },
        db: supervisor(strategy = rest_for_one, max_restarts = 2, within = 10s) {
            pool: Pool(8),
            writer: Writer(pool),
        },
        jobs: dynamic_supervisor<Job>(max_children = 4, children = { health = off }),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Logs to stderr, in colour only on a terminal; `RUST_LOG=debug` (or `perennial=debug`,
    // ..) shows more, `RUST_LOG=warn` less.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .without_time()
        .init();
    // Panics perennial catches are logged as exit reasons; keep them off stderr (and only them).
    perennial::panics::quiet_caught_panics();
    run().await
}

fn step(title: &str) {
    println!("\n=== {title}");
}

/// Waits until `done` matches an event, so each step ends when the tree has settled.
async fn until(
    events: &mut EventStream,
    done: impl FnMut(&Event) -> bool,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    events
        .wait_for(done)
        .await
        .map(|_| ())
        .ok_or_else(|| "the tree ended".into())
}

/// The tour itself (the test suite runs it too).
pub async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    step("starting the tree: children start in order, each after the previous one's init");
    let upstream_closed = Arc::new(Notify::new());
    let app = Tour::start(upstream_closed.clone()).await?;
    let mut events = app.subscribe();
    app.cache.put("greeting".into(), "hello".into()).await?;
    app.db.writer.write(10).await??;
    for id in 1..=2 {
        app.jobs.start_child(id).await?;
    }
    println!("{}", app.snapshot().await?);

    step("1. a panic: the cache crashes; one_for_one restarts it alone");
    app.cache.corrupt()?;
    until(
        &mut events,
        |e| matches!(e, Event::Restarted { child, .. } if &**child == "cache"),
    )
    .await?;
    println!(
        "the same client reaches the new cache: get(greeting) = {:?} (its state started afresh)",
        app.cache.get("greeting".into()).await?
    );
    println!("{}", app.snapshot().await?);

    step("2. an error return: the ingest task returns Err; it is permanent, so it restarts");
    upstream_closed.notify_one();
    until(
        &mut events,
        |e| matches!(e, Event::Restarted { child, .. } if &**child == "ingest"),
    )
    .await?;
    println!("{}", app.snapshot().await?);

    step("3. a server that stops answering: the cache stalls and misses its pings");
    app.cache.stall()?;
    until(
        &mut events,
        |e| matches!(e, Event::Restarted { child, .. } if &**child == "cache"),
    )
    .await?;
    println!(
        "the cache answers again: put -> {} entries",
        app.cache.put("k".into(), "v".into()).await?
    );
    println!("{}", app.snapshot().await?);

    step("4. a crash storm in a subtree: the writer crashes 3 times; `db` allows 2 restarts");
    for _ in 0..3 {
        app.db.writer.poison()?;
        until(&mut events, |e| {
            matches!(e, Event::Restarted { child, .. } if &**child == "writer" || &**child == "db")
        })
        .await?;
    }
    println!(
        "`db` gave up and `app` restarted it, pool and writer fresh: write(5) -> {:?}",
        app.db.writer.write(5).await?
    );
    println!("{}", app.snapshot().await?);

    step(
        "5. graceful shutdown: every child stops, in reverse start order; the ingest task, \
         which takes a shutdown token, flushes first",
    );
    let reason = app.shutdown().await;
    println!("the tree ended: {reason}");
    Ok(())
}
