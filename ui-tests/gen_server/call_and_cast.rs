// A handler marked both #[call] and #[cast], and one marked #[call] twice.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    #[call]
    #[cast]
    fn reset(&mut self) {
        self.n = 0;
    }

    #[call]
    #[call]
    fn get(&self) -> i64 {
        self.n
    }
}

fn main() {}
