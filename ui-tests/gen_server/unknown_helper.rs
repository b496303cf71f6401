// Misspelt helper attributes, and the hand-written trait's method names used as attributes.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    #[cal]
    fn get(&self) -> i64 {
        self.n
    }

    #[cats]
    fn reset(&mut self) {
        self.n = 0;
    }

    #[handle_cast]
    fn clear(&mut self) {
        self.n = 0;
    }

    #[handle_contineu]
    fn after(&mut self) {}

    // Not near any helper: left for the compiler, which knows this one.
    #[inline]
    fn double(&self) -> i64 {
        self.n * 2
    }
}

fn main() {}
