//! The examples run to completion, on tokio's paused clock so that their timers take no real
//! time. Each example's `main` only sets up logging and calls its `run`.

#[allow(dead_code)]
#[path = "../examples/hand_written.rs"]
mod hand_written;

#[allow(dead_code)]
#[path = "../examples/dynamic_pool.rs"]
mod dynamic_pool;

#[allow(dead_code)]
#[path = "../examples/health_checks.rs"]
mod health_checks;

#[allow(dead_code)]
#[path = "../examples/tour.rs"]
mod tour;

#[allow(dead_code)]
#[path = "../examples/nested.rs"]
mod nested;

#[allow(dead_code)]
#[path = "../examples/deferred_replies.rs"]
mod deferred_replies;

#[tokio::test(start_paused = true)]
async fn deferred_replies_runs() {
    deferred_replies::run().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn hand_written_runs() {
    hand_written::run().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn dynamic_pool_runs() {
    dynamic_pool::run().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn health_checks_runs() {
    health_checks::run().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn tour_runs() {
    tour::run().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn nested_runs() {
    nested::run().await.unwrap();
}
