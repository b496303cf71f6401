// OTP's (and other libraries') names of options point to perennial's.
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(intensity = 5, period = 10s) {
            a: Cache(1) { restart_type = transient, shutdown_timeout = 5s },
            b: Http(()) { health = { threshold = 2 } },
        }
    };
}
