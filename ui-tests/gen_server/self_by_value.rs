// Handlers run on the state in place: `self` by value, or no receiver at all, is refused.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    #[call]
    fn take(self) -> i64 {
        self.n
    }

    #[cast]
    fn boxed(self: Box<Self>) {}

    #[call]
    fn zero() -> i64 {
        0
    }

    fn terminate(mut self) {
        self.n = 0;
    }
}

fn main() {}
