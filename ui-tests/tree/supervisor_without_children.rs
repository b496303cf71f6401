use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1024),
            db: supervisor(strategy = rest_for_one),
        }
    };
}
