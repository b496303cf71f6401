//! A supervision tree declared with `supervision_tree!`: a counter that crashes and comes back,
//! a task, a dynamic supervisor, and the tree's snapshot. (The servers are written by hand;
//! `#[gen_server]` generates the same.)
//!
//! Run it with `cargo run --example tree`.

use std::convert::Infallible;
use std::time::Duration;

use perennial::prelude::*;
use perennial::supervisor::Event;
use perennial::{Client, HasClient, supervision_tree};

/// A counter that panics when asked to add a negative number.
struct Counter(i64);

impl GenServer for Counter {
    type Args = i64;
    type Call = i64;
    type Reply = i64;
    type Cast = Infallible;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(start: i64, _: &mut Context<Self>) -> Result<Self, Infallible> {
        println!("  counter starts at {start}");
        Ok(Counter(start))
    }

    async fn handle_call(&mut self, by: i64, _: &mut Context<Self>) -> i64 {
        assert!(by >= 0, "asked to add {by}");
        self.0 += by;
        self.0
    }
}

impl HasClient for Counter {
    type Client = Client<Counter>;
}

async fn heartbeat(every: Duration) {
    loop {
        tokio::time::sleep(every).await;
    }
}

supervision_tree! {
    /// The example's tree: its type has a name, so it could live in an application's state.
    pub struct Example(start: i64);
    example: supervisor(strategy = one_for_one, max_restarts = 3, within = 5s) {
        counter: Counter(start) { backoff = { initial = 100ms } },
        heartbeat: task(heartbeat, Duration::from_secs(1)) { restart = transient },
        jobs: dynamic_supervisor<Counter>(max_children = 10),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("starting the tree");
    let app = Example::start(40).await?;
    let mut events = app.subscribe();
    println!("  add 2 -> {}", app.counter.call(2).await?);

    println!("crashing the counter with a call that panics");
    if let Err(crashed) = app.counter.call(-1).await {
        println!("  the caller got: {crashed}");
    }
    events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .ok_or("the counter was not restarted")?;
    println!(
        "  the same client reaches the new incarnation: add 1 -> {}",
        app.counter.call(1).await?
    );

    let job = app.jobs.start_child(100).await?;
    println!("a job started at run time: add 1 -> {}", job.call(1).await?);

    println!("the tree now:\n{}", app.snapshot().await?);
    println!("shutting down: {}", app.shutdown().await);
    Ok(())
}
