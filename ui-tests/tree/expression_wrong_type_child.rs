// A child's options given as expressions of the wrong type: each is reported at the expression,
// and where a conversion exists the compiler says which (`.into()`, `Some(..)`).
use perennial::prelude::*;
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let grace = Duration::from_secs(2);
    let _tree = supervision_tree! {
        app: supervisor {
            a: Cache(1) { restart = Strategy::OneForAll, shutdown = (grace) },
            b: Cache(2) { health = HealthCheck::default(), backoff = Backoff { initial: grace, factor: 2.0, max: grace } },
            c: task(migrate) { restart = (true), shutdown = (5) },
            jobs: dynamic_supervisor<Job>(children = { restart = "temporary".to_string(), shutdown = (grace) }),
        }
    };
}
