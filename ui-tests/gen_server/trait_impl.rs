// #[gen_server] on a trait impl: it writes the GenServer impl itself.
use perennial::gen_server;

struct Counter;

trait Describe {
    fn describe(&self) -> String;
}

#[gen_server]
impl Describe for Counter {
    fn describe(&self) -> String {
        "counter".to_owned()
    }
}

fn main() {
    let _ = Counter.describe();
}
