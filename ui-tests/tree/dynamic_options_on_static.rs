use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor(max_children = 10) {
            cache: Cache(1024) { max_children = 3 },
        }
    };
}
