//! `supervision_tree!` in the expression form, end to end through the facade: the issue's
//! example, typed fields that survive restarts, sibling clients, arguments evaluated once.

mod common;

use common::*;
use perennial::supervision_tree;
use perennial::prelude::*;

async fn metrics_loop(port: u16, log: Log) {
    log.push(format!("metrics on {port}"));
    std::future::pending::<()>().await;
}

#[tokio::test(start_paused = true)]
async fn the_example_of_the_issue_runs() -> Result<(), Box<dyn std::error::Error>> {
    let log = Log::default();
    let url = String::from("postgres://db");
    let port = 9000;
    let app = supervision_tree! {
        app: supervisor(strategy = one_for_one, max_restarts = 3, within = 5s) {
            cache: Cache(1024) { restart = permanent, shutdown = 5s,
                                 health = { interval = 30s, timeout = 5s, failures = 3 } },
            metrics: task(metrics_loop, port, log.clone()) { restart = transient },
            jobs: dynamic_supervisor<Job>(max_children = 100),
            db: supervisor(strategy = rest_for_one) {
                pool: DbPool(url.clone()),
                writer: Writer(pool),
            },
        }
    }
    .start()
    .await?;
    // `url` was cloned, not moved.
    assert_eq!(url, "postgres://db");
    assert_eq!(app.cache.add(1).await?, 1);
    assert_eq!(app.cache.add(2).await?, 3);
    assert_eq!(app.db.writer.flush().await?, "flushed to postgres://db");
    let job = app.jobs.start_child(7).await?;
    assert_eq!(job.call(()).await?, 7);
    assert_eq!(app.metrics.name(), "metrics");
    assert_eq!(app.metrics.restart_count().await?, 0);
    assert_eq!(log.take(), ["metrics on 9000"]);
    assert_eq!(app.supervisor().name(), "app");
    assert_eq!(app.db.supervisor().name(), "db");
    assert_eq!(app.shutdown().await, ExitReason::Shutdown);
    assert_eq!(app.join().await, ExitReason::Shutdown);
    Ok(())
}
