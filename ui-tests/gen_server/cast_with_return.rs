// A cast sends no reply, so it cannot return a value.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    #[cast]
    async fn add(&mut self, by: i64) -> i64 {
        self.n += by;
        self.n
    }
}

fn main() {}
