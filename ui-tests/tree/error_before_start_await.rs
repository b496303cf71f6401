use perennial::supervision_tree;

mod support;
use support::*;

// A mistake in the tree is reported once: the best-effort tree the macro still expands keeps
// the code around it (`.start().await?`, the children's fields) free of errors of its own.
async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let app = supervision_tree! {
        app: supervisor(strategy = one_for_al) {
            cache: Cache(1024),
            metrics: task(metrics_loop),
            db: supervisor { pool: DbPool(), writer: Writer(pool) },
        }
    }
    .start()
    .await?;
    app.db.writer.ping().await?;
    app.shutdown().await;
    Ok(())
}

fn main() {
    let _ = run;
}
