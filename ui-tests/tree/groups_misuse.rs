use perennial::supervision_tree;

mod support;
use support::*;

fn main() {
    // `groups` takes a list of snake_case names, each once, on gen_server children only.
    let _tree = supervision_tree! {
        app: supervisor {
            a: Cache(1) { groups = workers },
            b: Cache(2) { groups = [Workers] },
            c: Cache(3) { groups = [pool, pool] },
            d: Cache(4) { groups = [] },
            e: task(migrate) { groups = [pool] },
            f: supervisor(groups = [pool]) { g: Cache(5) },
        }
    };
}
