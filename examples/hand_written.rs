//! perennial without macros: a counter server written against the runtime's `GenServer` trait,
//! calls, casts, a crash that the caller sees as an error, and a name that follows a restart.
//! Everything `#[gen_server]` generates is ordinary code like this.
//!
//! Run it with `cargo run --example hand_written`.

use std::convert::Infallible;

use perennial::prelude::*;

/// The server's state.
struct Counter {
    n: i64,
}

enum CounterCall {
    Add(i64),
    Get,
    Crash,
}

impl GenServer for Counter {
    type Args = i64;
    type Call = CounterCall;
    type Reply = i64;
    type Cast = ();
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(start: i64, _ctx: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Counter { n: start })
    }

    async fn handle_call(&mut self, call: CounterCall, _ctx: &mut Context<Self>) -> i64 {
        match call {
            CounterCall::Add(by) => {
                self.n += by;
                self.n
            }
            CounterCall::Get => self.n,
            CounterCall::Crash => panic!("asked to crash"),
        }
    }

    async fn handle_cast(&mut self, _reset: (), _ctx: &mut Context<Self>) {
        self.n = 0;
    }

    async fn terminate(&mut self, reason: &ExitReason) {
        println!("  counter terminating ({reason}) at n = {}", self.n);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    run().await
}

/// The example itself (the test suite runs it too).
pub async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let registry = Registry::new();
    let counter = registry.named::<Counter>("counter");

    println!("starting `counter` in a registry");
    Counter::builder()
        .register(&registry, "counter")
        .start(40)
        .await?;
    println!("  add 2 -> {}", counter.call(CounterCall::Add(2)).await?);
    counter.cast(())?;
    println!(
        "  after a reset cast -> {}",
        counter.call(CounterCall::Get).await?
    );

    println!("crashing it with a call that panics");
    match counter.call(CounterCall::Crash).await {
        Err(crashed) => println!("  the caller got: {crashed}"),
        Ok(n) => return Err(format!("a crashing call returned {n}").into()),
    }
    println!("  the registry now holds: {:?}", registry.names());

    println!("starting a new incarnation under the same name");
    Counter::builder()
        .register(&registry, "counter")
        .start(100)
        .await?;
    println!(
        "  the same name-bound reference answers: {}",
        counter.call(CounterCall::Get).await?
    );

    let server = counter.resolve().ok_or("counter is not running")?;
    let reason = server.stop(ExitReason::Shutdown).await?;
    println!("stopped: {reason}");
    Ok(())
}
