use perennial::supervision_tree;

mod support;
use support::*;

/// A plain struct, not a gen_server.
pub struct Settings;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1024),
            settings: Settings,
        }
    };
}
