// A server without init.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    #[call]
    fn get(&self) -> i64 {
        self.n
    }
}

fn main() {}
