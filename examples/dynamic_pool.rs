//! A dynamic pool: workers of one type started at run time with arguments, up to a limit; a
//! crashed worker is restarted with the same arguments; the pool stops them all at once.
//!
//! Run it with `cargo run --example dynamic_pool`.

use std::time::Duration;

use perennial::gen_server;
use perennial::supervisor::{DynamicSpec, Event, Restart, SupervisorError};

/// Resizes images, one job at a time.
struct Resizer {
    id: u32,
    done: u32,
}

#[gen_server]
impl Resizer {
    async fn init(id: u32) -> Self {
        Resizer { id, done: 0 }
    }

    /// Resizes one image; a zero width is a bug that crashes the worker.
    #[call]
    async fn resize(&mut self, width: u32) -> String {
        assert!(width > 0, "worker {} got a zero width", self.id);
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.done += 1;
        format!(
            "worker {} resized to {width}px ({} done)",
            self.id, self.done
        )
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
        .init();
    // Panics perennial catches are logged as exit reasons; keep them off stderr (and only them).
    perennial::panics::quiet_caught_panics();
    run().await
}

/// The example itself (the test suite runs it too).
pub async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let pool = DynamicSpec::<Resizer>::new("resizers")
        .max_children(3)
        .restart(Restart::Permanent)
        .start()
        .await?;
    let mut events = pool.subscribe();

    let mut workers = Vec::new();
    for id in 1..=3 {
        let worker = pool.start_client(id).await?;
        workers.push(worker);
    }
    match pool.start_child(4).await {
        Err(SupervisorError::MaxChildren(max)) => {
            println!("a 4th worker is refused: at most {max}")
        }
        other => return Err(format!("expected the pool to be full, got {other:?}").into()),
    }
    for (worker, width) in workers.iter().zip([640, 800, 1024]) {
        println!("{}", worker.resize(width).await?);
    }

    println!("worker 2 gets a zero width and crashes:");
    if let Err(e) = workers[1].resize(0).await {
        println!("  the caller sees: {e}");
    }
    let restarted = events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .ok_or("the pool ended")?;
    println!("  the pool: {restarted}");
    let name = restarted.child().ok_or("no child name")?;
    let again = ResizerClient::from(pool.child(name).await?.ok_or("not running")?);
    println!("  {}", again.resize(320).await?);

    println!("{}", pool.snapshot().await?);
    pool.shutdown().await;
    println!("the pool stopped its workers at once");
    Ok(())
}
