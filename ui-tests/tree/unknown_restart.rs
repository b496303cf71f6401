use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            cache: Cache(1024) { restart = permanant },
            metrics: task(metrics_loop) { restart = Transient },
            db: supervisor(restart = always) { pool: DbPool() },
        }
    };
}
