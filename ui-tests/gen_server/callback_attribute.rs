// `init` and `terminate` are found by their names; an attribute for them is refused, and the
// method marked with it is taken as the callback, so nothing else is reported about it.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    #[init]
    fn setup() -> Self {
        Counter { n: 0 }
    }

    #[terminate]
    fn terminate(&mut self) {}

    #[call]
    fn get(&self) -> i64 {
        self.n
    }
}

fn main() {}
