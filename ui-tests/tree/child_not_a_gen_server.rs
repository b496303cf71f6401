use perennial::supervision_tree;

mod support;
use support::*;

/// A plain struct, not a gen_server.
pub struct Settings;

// Reported once per form, at the type, although the expansion uses the type in several places
// (the field, its client, its spec, its typed key).
supervision_tree! {
    pub struct App;
    app: supervisor { cache: Cache(1024), config: Settings }
}

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1024),
            settings: Settings,
        }
    };
}
