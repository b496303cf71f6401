//! Health checks: the supervisor pings a gen_server; when it stops answering three times in a
//! row, the supervisor kills it and starts a fresh one.
//!
//! Run it with `cargo run --example health_checks` (about 2 seconds).

use std::time::Duration;

use perennial::gen_server;
use perennial::supervisor::{ChildSpec, Event, HealthCheck, SupervisorSpec};

/// A server that can be made to hang, as a deadlocked or overloaded one would.
struct Upstream;

#[gen_server]
impl Upstream {
    async fn init() -> Self {
        Upstream
    }

    #[call]
    fn status(&self) -> &'static str {
        "ok"
    }

    /// Blocks the server's mailbox for a long time (awaiting, as stuck I/O would).
    #[cast]
    async fn hang(&mut self) {
        tokio::time::sleep(Duration::from_secs(3600)).await;
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
    let check = HealthCheck {
        interval: Duration::from_millis(300),
        timeout: Duration::from_millis(200),
        failures: 3,
    };
    let app = SupervisorSpec::new("app")
        .child(ChildSpec::server::<Upstream>("upstream", ()).health(Some(check)))
        .start()
        .await?;
    let mut events = app.subscribe();
    let upstream = UpstreamClient::from(app.registry().named::<Upstream>("upstream"));
    println!("upstream says {}", upstream.status().await?);

    println!("upstream hangs...");
    upstream.hang()?;
    while let Some(event) = events.next().await {
        println!("  {event}");
        if matches!(event, Event::Restarted { .. }) {
            break;
        }
    }
    println!(
        "upstream says {} (a fresh incarnation)",
        upstream.status().await?
    );
    let health = app.health("upstream").await?.ok_or("no health status")?;
    println!("missed pings now: {}", health.consecutive_failures);
    app.shutdown().await;
    Ok(())
}
