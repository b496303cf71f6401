//! smoke
use perennial::gen_server;
use perennial::prelude::*;

#[derive(Debug)]
struct CounterError;
impl std::fmt::Display for CounterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("bad")
    }
}
impl std::error::Error for CounterError {}

struct Counter {
    n: i64,
}

#[gen_server]
impl Counter {
    async fn init(start: i64) -> Result<Self, CounterError> {
        Ok(Counter { n: start })
    }
    #[call]
    async fn add(&mut self, by: i64) -> i64 {
        self.n += by;
        self.n
    }
    #[call]
    fn get(&self) -> i64 {
        self.n
    }
    #[cast]
    async fn reset(&mut self) {
        self.n = 0
    }
    async fn terminate(&mut self, _reason: &ExitReason) {}
}

#[tokio::test(start_paused = true)]
async fn smoke() {
    let c = Counter::start_client(5).await.unwrap();
    assert_eq!(c.add(2).await.unwrap(), 7);
    assert_eq!(c.get().await.unwrap(), 7);
    c.reset().unwrap();
    assert_eq!(
        c.with_timeout(std::time::Duration::from_secs(1))
            .get()
            .await
            .unwrap(),
        0
    );
    c.ping().await.unwrap();
}
