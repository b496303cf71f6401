// A path to the runtime's types is an expression of the option's type: without the import the
// compiler says so, and offers the import.
use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(strategy = Strategy::RestForOne) {
            a: Cache(1) { restart = Restart::Temporary, shutdown = Shutdown::Brutal },
        }
    };
}
