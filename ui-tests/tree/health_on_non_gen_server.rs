use perennial::supervision_tree;

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            metrics: task(metrics_loop) { health = off },
            db: supervisor(health = { interval = 5s }) { pool: DbPool() },
            jobs: dynamic_supervisor<Job>(health = on),
        }
    };
}
