// An option that cannot take effect is an error: a temporary child is never restarted, so a
// backoff would never delay anything.
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1) { restart = temporary, backoff = on },
            once: task(migrate) { restart = temporary, backoff = { initial = 1s } },
            jobs: dynamic_supervisor<Job>(children = { restart = temporary, backoff = on }),
            // `off` says what is true, and is accepted.
            quiet: Http(()) { restart = temporary, backoff = off },
        }
    };
}
