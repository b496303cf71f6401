// A server without init.
use perennial::gen_server;

struct Counter {
    n: i64,
}

#[gen_server]
impl Counter {
    #[call]
    fn get(&self) -> i64 {
        self.n
    }
}

fn main() {}
