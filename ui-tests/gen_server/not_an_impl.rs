// #[gen_server] on the struct instead of its impl block.
use perennial::gen_server;

#[gen_server]
struct Counter {
    n: i64,
}

fn main() {
    let _ = Counter { n: 0 }.n;
}
