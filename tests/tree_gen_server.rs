//! `supervision_tree!` with children written with `#[gen_server]`: a tree of every node kind,
//! its fields being the generated typed clients.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use perennial::prelude::*;
use perennial::supervisor::Event;
use perennial::{gen_server, supervision_tree};

struct Cache {
    total: u64,
}

#[gen_server]
impl Cache {
    fn init(_capacity: usize) -> Self {
        Cache { total: 0 }
    }

    #[call]
    fn add(&mut self, n: u64) -> u64 {
        self.total += n;
        self.total
    }

    #[cast]
    fn crash(&mut self) {
        panic!("cache crashed");
    }
}

struct DbPool {
    url: String,
}

#[gen_server]
impl DbPool {
    fn init(url: String) -> Self {
        DbPool { url }
    }

    #[call]
    fn url(&self) -> String {
        self.url.clone()
    }
}

struct Writer {
    pool: DbPoolClient,
    flushed: u32,
}

#[gen_server]
impl Writer {
    fn init(pool: DbPoolClient) -> Self {
        Writer { pool, flushed: 0 }
    }

    #[call]
    async fn flush(&mut self) -> Result<String, CallError> {
        self.flushed += 1;
        Ok(format!(
            "flush {} to {}",
            self.flushed,
            self.pool.url().await?
        ))
    }
}

#[derive(Clone)]
struct JobArgs {
    id: u32,
    started: Arc<AtomicU32>,
}

struct Job {
    id: u32,
}

#[gen_server]
impl Job {
    fn init(args: JobArgs) -> Self {
        args.started.fetch_add(1, Ordering::SeqCst);
        Job { id: args.id }
    }

    #[call]
    fn id(&self) -> u32 {
        self.id
    }
}

async fn metrics_loop(port: u16, ticks: Arc<AtomicU32>) {
    let _ = port;
    loop {
        ticks.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn generated_clients_in_a_tree_follow_a_crash_and_a_rest_for_one_restart()
-> Result<(), Box<dyn std::error::Error>> {
    let url = String::from("postgres://db");
    let port = 9100;
    let ticks = Arc::new(AtomicU32::new(0));
    let app = supervision_tree! {
        app: supervisor(strategy = one_for_one, max_restarts = 3, within = 5s) {
            cache: Cache(1024) { restart = permanent, shutdown = 5s,
                                 health = { interval = 30s, timeout = 5s, failures = 3 } },
            metrics: task(metrics_loop, port, ticks.clone()) { restart = transient },
            jobs: dynamic_supervisor<Job>(max_children = 100),
            db: supervisor(strategy = rest_for_one) {
                pool: DbPool(url.clone()),
                writer: Writer(pool),      // an earlier sibling, passed as its typed client
            },
        }
    }
    .start()
    .await?;
    let mut events = app.subscribe();
    assert_eq!(app.cache.add(1).await?, 1);
    assert_eq!(app.db.writer.flush().await??, "flush 1 to postgres://db");
    let started = Arc::new(AtomicU32::new(0));
    let job_args = JobArgs {
        id: 7,
        started: started.clone(),
    };
    let job = JobClient::from(app.jobs.start_child(job_args).await?);
    assert_eq!(job.id().await?, 7);
    assert_eq!(started.load(Ordering::SeqCst), 1);
    assert!(ticks.load(Ordering::SeqCst) >= 1);

    // The generated client in the tree follows the cache across a crash.
    app.cache.crash()?;
    events
        .wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == "cache"))
        .await
        .unwrap();
    assert_eq!(app.cache.add(5).await?, 5);

    // rest_for_one: a crash of the pool restarts the writer after it, with a fresh client.
    app.db.pool.raw_crash();
    events
        .wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == "writer"))
        .await
        .unwrap();
    assert_eq!(app.db.writer.flush().await??, "flush 1 to postgres://db");
    assert_eq!(app.shutdown().await, ExitReason::Shutdown);
    Ok(())
}

/// Crashing a `DbPool` from outside, through its registered server (it has no crashing
/// handler of its own).
trait RawCrash {
    fn raw_crash(&self);
}

impl RawCrash for DbPoolClient {
    fn raw_crash(&self) {
        if let Some(server) = self.as_ref().resolve() {
            server.kill();
        }
    }
}

supervision_tree! {
    /// A tree of generated servers, with a name.
    pub struct App(url: String);
    app: supervisor {
        cache: Cache(64),
        db: supervisor { pool: DbPool(url.clone()), writer: Writer(pool) },
    }
}

#[tokio::test(start_paused = true)]
async fn the_item_form_with_generated_clients() -> Result<(), Box<dyn std::error::Error>> {
    let app = App::start("postgres://item".into()).await?;
    let shared = Arc::new(app.clone());
    let cache: CacheClient = app.registry().get(App::CACHE).into();
    assert_eq!(cache.add(2).await?, 2);
    assert_eq!(shared.cache.add(2).await?, 4);
    assert_eq!(
        shared.db.writer.flush().await??,
        "flush 1 to postgres://item"
    );
    app.shutdown().await;
    Ok(())
}
