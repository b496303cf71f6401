// Message arguments and replies move between tasks: they must be Send.
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

fn main() {}
