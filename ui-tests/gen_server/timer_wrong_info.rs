// A timer sends the server an info: its message must be of the `#[info]` handler's type, and a
// server without an `#[info]` handler has nothing to receive it with.
use std::time::Duration;

use perennial::gen_server;
use perennial::prelude::*;

struct Tick;
struct Ping;

struct Heart;

#[gen_server]
impl Heart {
    fn init(ctx: &mut Context<Self>) -> Self {
        ctx.send_after(Duration::from_secs(1), Ping);
        Heart
    }

    #[info]
    fn on_tick(&mut self, _tick: Tick) {}
}

struct Deaf;

#[gen_server]
impl Deaf {
    fn init(ctx: &mut Context<Self>) -> Self {
        ctx.send_interval(Duration::from_secs(1), Tick);
        Deaf
    }
}

fn main() {}
