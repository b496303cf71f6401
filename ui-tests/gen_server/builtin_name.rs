// The generated client has its own ping, with_timeout and info, and the methods of the traits
// it implements; handlers cannot take those names.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    #[call]
    fn ping(&self) -> i64 {
        self.n
    }

    #[cast]
    fn with_timeout(&mut self, n: i64) {
        self.n = n;
    }

    #[call]
    fn info(&self) -> String {
        format!("n = {}", self.n)
    }

    // An inherent `clone` would hide the client's `Clone::clone`.
    #[call]
    fn clone(&self) -> i64 {
        self.n
    }

    // Generated on the server type itself.
    fn start_client(&self) {}
}

fn main() {}
