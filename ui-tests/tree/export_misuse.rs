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
            a: Job() { export = true },
            b: Job() { scope = local, export = true },
            c: task(work) { export = true },
            d: supervisor(export = true) {
                x: Job(),
            },
            e: dynamic_supervisor<Job>(children = { export = true }),
            f: Job() { export = yes },
            g: Job() { export = "true" },
            h: Job() { exported = true },
            i: Job() { export = 1 },
        }
    };
}
