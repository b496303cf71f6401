// An async handler that holds something not `Send` across an `.await`: the server's task may
// move between threads at that point, so the handler's future must be `Send`.
use std::rc::Rc;

use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    #[call]
    async fn add(&mut self, by: i64) -> i64 {
        let step = Rc::new(by);
        tokio::task::yield_now().await;
        self.n += *step;
        self.n
    }
}

fn main() {}
