use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            DbPool: DbPool(),
            httpCache: Cache(1024),
            _hidden: Cache(1),
            type: Cache(2),
            r#loop: Cache(3),
            db__writer: Writer(),
        }
    };
}
