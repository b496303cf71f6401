// Process groups a gen_server child joins at every (re)start.
use perennial::supervision_tree;

#[path = "../support/mod.rs"]
mod support;
use support::*;

supervision_tree! {
    struct Pools;
    app: supervisor {
        a: Cache(1) { groups = [caches] },
        b: Cache(2) { restart = transient, groups = [caches, all_servers,] },
    }
}

fn main() {
    let _spec = Pools::spec();
}
