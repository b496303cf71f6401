use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    // A permanent child can't be significant, a significant child needs an `auto_shutdown`, a
    // dynamic supervisor has none, and its children can't be significant.
    let _tree = supervision_tree! {
        app: supervisor(auto_shutdown = any_significant) {
            main: task(migrate) { significant = true },
            job: supervisor {
                step: Cache(1) { restart = transient, significant = true },
            },
            jobs: dynamic_supervisor<Cache>(auto_shutdown = all_significant, children = { significant = true }),
            other: supervisor(auto_shutdown = any_sgnificant) {
                c: Cache(1) { restart = temporary, significant = maybe },
            },
        }
    };
}
