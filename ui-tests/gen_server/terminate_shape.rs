// terminate takes &mut self and, optionally, the exit reason; it returns nothing.
use perennial::gen_server;
use perennial::prelude::*;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    fn terminate(&mut self, reason: &ExitReason, ctx: &mut Context<Self>, code: i32) -> bool {
        let _ = (reason, ctx, code);
        self.n == 0
    }
}

fn main() {}
