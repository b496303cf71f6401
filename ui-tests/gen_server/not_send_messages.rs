// Message arguments and replies move between tasks: they must be Send. Each is reported once,
// at its type: starting the server and calling it report nothing more.
use std::rc::Rc;

use perennial::gen_server;

struct Shared {
    n: i64,
}

#[gen_server]
impl Shared {
    fn init() -> Self {
        Shared { n: 0 }
    }

    #[cast]
    fn set(&mut self, n: Rc<i64>) {
        self.n = *n;
    }

    #[call]
    fn get(&self) -> Rc<i64> {
        Rc::new(self.n)
    }
}

async fn use_it() {
    let shared = Shared::start_client().await.unwrap();
    let _ = shared.get().await;
}

fn main() {
    let _ = use_it();
}
