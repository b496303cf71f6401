use perennial::prelude::*;

struct Job;

#[gen_server]
impl Job {
    fn init() -> Self {
        Job
    }
}

async fn work() {}

fn main() {
    let _ = supervision_tree! {
        app: supervisor {
            a: Job() { scope = globl },
            b: task(work) { scope = "global" },
            c: dynamic_supervisor<Job>(scope = global),
            d: dynamic_supervisor<Job>(children = { scope = global }),
            e: supervisor(scope = global) {
                f: Job() { scope = global },
            },
            g: Job() { global },
        }
    };
}
