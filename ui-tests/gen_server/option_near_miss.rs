// Near misses of the attribute's options get a suggestion, prefixes included.
use perennial::gen_server;

struct Counter;

#[gen_server(client_name = CounterHandle, visibility = pub(crate))]
impl Counter {
    fn init() -> Self {
        Counter
    }
}

fn main() {}
