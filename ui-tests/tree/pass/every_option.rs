// Every option, in both forms.
use perennial::supervision_tree;

#[path = "../support/mod.rs"]
mod support;
use support::*;

supervision_tree! {
    struct Options;
    app: supervisor(strategy = rest_for_one, max_restarts = 10, within = 1m) {
        a: Cache(1) { restart = transient, shutdown = brutal_kill, health = off, backoff = on },
        b: Cache(2) { restart = temporary, shutdown = infinity, health = on, backoff = off },
        c: Cache(3) { shutdown = 250ms, health = { interval = 1s }, backoff = { initial = 1s, factor = 1.5, max = 1m } },
        d: task(migrate) { restart = transient, shutdown = 2h, backoff = { factor = 3 } },
        e: supervisor(strategy = one_for_all, within = 2s, restart = transient, shutdown = 10s, backoff = { max = 5s }) {
            f: Http,
        },
        g: supervisor(max_restarts = 0) { h: Http() { restart = temporary } },
        jobs: dynamic_supervisor<Job>(max_children = 5, max_restarts = 1, within = 10s, restart = permanent, shutdown = infinity, backoff = on,
            children = { restart = transient, shutdown = 1s, health = { interval = 1s, timeout = 1s, failures = 2 }, backoff = { initial = 10ms } }),
        more: dynamic_supervisor<Job>(children = { health = off }),
    }
}

fn main() {
    let _spec = Options::spec();
    let _inline = supervision_tree! {
        app: supervisor(strategy = one_for_all, max_restarts = 10000, within = 500ms) {
            a: Cache(1) { restart = transient, shutdown = brutal_kill, health = { timeout = 1s, failures = 1000 } },
            jobs: dynamic_supervisor<Job>(max_children = 4294967295, children = { restart = temporary }),
        },
    };
}
