// One `#[gen_server]` impl block per server: a second one is refused.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    #[call]
    fn get(&self) -> i64 {
        self.n
    }
}

#[gen_server]
impl Counter {
    #[cast]
    fn reset(&mut self) {
        self.n = 0;
    }
}

fn main() {}
