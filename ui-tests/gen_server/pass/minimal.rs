// The smallest server: an init and nothing else. Its client still pings.
#![deny(warnings)]

use perennial::gen_server;

struct Idle;

#[gen_server]
impl Idle {
    fn init() -> Self {
        Idle
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let idle = Idle::start_client().await.unwrap();
        idle.ping().await.unwrap();
    });
}
