// init builds the state: it takes no self.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init(&self) -> Self {
        Counter { n: self.n }
    }
}

fn main() {}
