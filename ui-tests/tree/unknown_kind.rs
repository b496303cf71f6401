use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            db: supervisr { pool: DbPool() },
            metrics: tsak(metrics_loop),
            jobs: dynamic_supervisr<Job>(),
        }
    };
}
