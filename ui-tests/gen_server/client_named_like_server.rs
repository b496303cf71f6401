// The client cannot take the server type's own name.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server(client = Counter)]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    #[call]
    fn get(&self) -> i64 {
        self.n
    }
}

fn main() {}
