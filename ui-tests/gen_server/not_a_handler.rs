// A method without `#[call]` (or `#[cast]`) is a helper: calling it through the client says so,
// at the call.
use perennial::gen_server;

struct Counter {
    n: i64,
}

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    fn get(&self) -> i64 {
        self.n
    }

    fn reset(&mut self) {
        self.n = 0;
    }

    #[call]
    fn add(&mut self, by: i64) -> i64 {
        self.n += by;
        self.n
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let counter = Counter::start_client().await?;
    let n = counter.get().await?;
    counter.reset()?;
    counter.add(n).await?;
    Ok(())
}

fn main() {
    let _ = run();
}
