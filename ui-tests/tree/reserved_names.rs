use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            shutdown: Cache(1),
            registry: Cache(2),
            supervisor: supervisor { join: Cache(3), subscribe: Cache(4) },
        }
    };
}
