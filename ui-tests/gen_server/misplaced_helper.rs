// Helper attributes take no arguments and go on methods only; init and terminate are found by
// name and cannot be handlers.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    #[call]
    const LIMIT: i64 = 10;

    #[call]
    fn init() -> Self {
        Counter { n: 0 }
    }

    #[call(timeout = 5)]
    fn get(&self) -> i64 {
        self.n.min(Self::LIMIT)
    }

    #[cast]
    fn terminate(&mut self) {}
}

fn main() {}
