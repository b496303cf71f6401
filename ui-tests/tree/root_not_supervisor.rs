use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        cache: Cache(1024)
    };
}
