// A tree's children used before the tree is started (`.start().await` forgotten, or only its
// `.await`): each use is one error, at the method called, saying to start the tree and await it.
use perennial::prelude::*;

struct Counter(u64);

#[gen_server]
impl Counter {
    fn init(start: u64) -> Self {
        Counter(start)
    }

    #[call]
    fn get(&self) -> u64 {
        self.0
    }

    #[cast]
    fn reset(&mut self) {
        self.0 = 0;
    }
}

supervision_tree! {
    pub struct Counters;

    counters: supervisor {
        counter: Counter(1),
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // The spec, never started.
    let app = supervision_tree! {
        app: supervisor {
            counter: Counter(7),
            db: supervisor {
                pool: Counter(8),
            },
        }
    };
    app.counter.get().await?;
    app.db.pool.reset()?;
    app.db.join().await;
    app.shutdown().await;

    // Started, but not awaited.
    let app = supervision_tree! { app: supervisor { counter: Counter(7) } }.start();
    app.counter.get().await?;

    // A tree type's start, not awaited.
    let counters = Counters::start();
    counters.counter.get().await?;
    Ok(())
}

fn main() {
    let _ = run();
}
