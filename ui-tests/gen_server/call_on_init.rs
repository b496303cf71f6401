// `#[call]` on `init`: one mistake, one error (not also "has no init").
use perennial::gen_server;

struct Counter;

#[gen_server]
impl Counter {
    #[call]
    fn init() -> Self {
        Counter
    }
}

fn main() {}
