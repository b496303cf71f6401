// Without an `#[info]` handler a server takes no info messages, and without a
// `#[handle_continue]` handler no continue: both are said where they are used.
use perennial::gen_server;
use perennial::prelude::*;

pub struct Tick;

struct Counter {
    n: i64,
}

#[gen_server]
impl Counter {
    fn init(ctx: &mut Context<Self>) -> Self {
        ctx.continue_with(1u32);
        Counter { n: 0 }
    }

    #[call]
    fn get(&self) -> i64 {
        self.n
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let counter = Counter::start_client().await?;
    counter.info(Tick)?;
    Ok(())
}

fn main() {
    let _ = run();
}
