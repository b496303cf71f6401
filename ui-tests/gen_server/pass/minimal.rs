// The smallest server: an init and nothing else. Its client still pings.
#![deny(warnings)]

#[path = "../support/mod.rs"]
mod support;

use perennial::gen_server;

struct Idle;

#[gen_server]
impl Idle {
    fn init() -> Self {
        Idle
    }
}

fn main() {
    support::block_on(async {
        let idle = Idle::start_client().await.unwrap();
        idle.ping().await.unwrap();
    });
}
