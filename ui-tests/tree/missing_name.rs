use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            Cache(1024),
            db: DbPool(),
        }
    };
}
