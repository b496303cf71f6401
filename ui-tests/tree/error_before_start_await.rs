use perennial::supervision_tree;

async fn run(url: String, port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let app = supervision_tree! {
        app: supervisor(strategy = one_for_al) {
            cache: Cache(1024),
            metrics: task(metrics_loop, port),
            db: supervisor { pool: DbPool(url.clone()), writer: Writer(pool) },
        }
    }
    .start()
    .await?;
    app.shutdown().await;
    Ok(())
}

fn main() {
    let _ = run;
}
