// The state moves into the server's task: it must be Send. Reported once, at the state:
// starting the server and calling it report nothing more.
use std::rc::Rc;

use perennial::gen_server;

struct Counter {
    n: Rc<i64>,
}

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: Rc::new(0) }
    }

    #[call]
    fn get(&self) -> i64 {
        *self.n
    }
}

async fn use_it() {
    let counter = Counter::start_client().await.unwrap();
    let _ = counter.get().await;
}

fn main() {
    let _ = use_it();
}
