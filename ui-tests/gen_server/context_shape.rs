// The context is lent: `ctx: &mut Context<Self>`. Taken by value (rustc would suggest `mut ctx`,
// which compiles and makes `ctx` a message argument no caller can supply) or without `<Self>`,
// it is refused at its type.
use perennial::gen_server;
use perennial::prelude::*;

struct Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter
    }

    #[cast]
    fn stop_now(&mut self, ctx: Context<Self>) {
        let _ = ctx;
    }

    #[cast]
    fn stop_later(&mut self, ctx: &mut Context) {
        let _ = ctx;
    }
}

fn main() {}
