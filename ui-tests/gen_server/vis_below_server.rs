// The client may not be less visible than the server: `HasClient` names it from the server.
use perennial::gen_server;

pub struct Counter {
    n: i64,
}

#[gen_server(vis = pub(crate))]
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
