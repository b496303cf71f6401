//! A supervision tree declared with `supervision_tree!`: a counter that crashes and comes back
//! behind the same client, a task, a dynamic supervisor of jobs, and the tree's snapshot.
//!
//! Run it with `cargo run --example tree`.

use std::time::Duration;

use perennial::supervisor::Event;
use perennial::{gen_server, supervision_tree};

/// A counter that crashes when asked to add a negative number.
struct Counter(i64);

#[gen_server]
impl Counter {
    fn init(start: i64) -> Self {
        println!("  counter starts at {start}");
        Counter(start)
    }

    /// Adds `by`; a negative `by` is a bug that crashes the counter.
    #[call]
    fn add(&mut self, by: i64) -> i64 {
        assert!(by >= 0, "asked to add {by}");
        self.0 += by;
        self.0
    }
}

async fn heartbeat(every: Duration) {
    loop {
        tokio::time::sleep(every).await;
    }
}

supervision_tree! {
    /// The example's tree. Its type has a name, so it could live in an application's state.
    pub struct Example(start: i64);
    example: supervisor(strategy = one_for_one, max_restarts = 3, within = 5s) {
        counter: Counter(start) { backoff = { initial = 100ms } },
        heartbeat: task(heartbeat, Duration::from_secs(1)) { restart = transient },
        jobs: dynamic_supervisor<Counter>(max_children = 10),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing_subscriber::fmt().with_target(false).init();
    run().await
}

/// The example itself (the test suite runs it too).
pub async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    println!("starting the tree");
    let app = Example::start(40).await?;
    let mut events = app.subscribe();
    println!("  add 2 -> {}", app.counter.add(2).await?);

    println!("crashing the counter with a call that panics");
    if let Err(crashed) = app.counter.add(-1).await {
        println!("  the caller got: {crashed}");
    }
    let restarted = events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .ok_or("the counter was not restarted")?;
    println!("  {restarted}");
    println!(
        "  the same client reaches the new incarnation: add 1 -> {}",
        app.counter.add(1).await?
    );

    let job = CounterClient::from(app.jobs.start_child(100).await?);
    println!("a job started at run time: add 1 -> {}", job.add(1).await?);

    println!("{}", app.snapshot().await?);
    println!("shutting down: {}", app.shutdown().await);
    Ok(())
}
