// Significant children and auto_shutdown, in both forms.
use perennial::supervision_tree;

#[path = "../support/mod.rs"]
mod support;
use support::*;

supervision_tree! {
    struct Batch;
    app: supervisor(auto_shutdown = any_significant) {
        cache: Cache(1),
        main: task(migrate) { restart = transient, significant = true },
        steps: supervisor(auto_shutdown = all_significant, restart = transient, significant = true) {
            a: Cache(1) { restart = temporary, significant = true },
            b: Cache(2) { restart = transient, significant = true },
            c: Cache(3) { significant = false },
        },
        quiet: supervisor(auto_shutdown = never) { h: Http },
    }
}

fn main() {
    let _spec = Batch::spec();
    let _inline = supervision_tree! {
        app: supervisor(auto_shutdown = all_significant) {
            jobs: dynamic_supervisor<Job>(restart = temporary, significant = true),
        },
    };
}
