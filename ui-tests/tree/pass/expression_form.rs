// The expression form: every kind of child, locals captured, and the started tree's typed
// fields.
use perennial::supervision_tree;
use perennial::supervisor::{ChildHandle, DynamicSupervisor, SupervisorHandle};
use perennial::{Client, ExitReason};

#[path = "../support/mod.rs"]
mod support;
use support::*;

async fn metrics_loop_on(port: u16, label: String) {
    let _ = (port, label);
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let port = 9000;
    let label = String::from("metrics");
    let size = 1024;
    let app = supervision_tree! {
        app: supervisor(strategy = one_for_one, max_restarts = 3, within = 5s) {
            cache: Cache(size) { restart = permanent, shutdown = 5s,
                                 health = { interval = 30s, timeout = 5s, failures = 3 } },
            metrics: task(metrics_loop_on, port, label.clone()) { restart = transient },
            closure: task(|| async {}) { restart = temporary },
            jobs: dynamic_supervisor<Job>(max_children = 100),
            db: supervisor(strategy = rest_for_one) {
                pool: DbPool(),
                writer: Writer(pool),
                deeper: supervisor { web: Http() },
            },
        }
    }
    .start()
    .await?;
    // The locals are still there: arguments are evaluated (cloned by the user) once.
    let _ = (port, label, size);
    let _: &Client<Cache> = &app.cache;
    let _: &ChildHandle = &app.metrics;
    let _: &DynamicSupervisor<Job> = &app.jobs;
    let _: &Client<Writer> = &app.db.writer;
    let _: &Client<Http> = &app.db.deeper.web;
    let _: &SupervisorHandle = app.db.supervisor();
    let _: &SupervisorHandle = &app; // Deref
    let copy = app.clone();
    println!("{copy:?}");
    let _: ExitReason = app.shutdown().await;
    let _: ExitReason = app.join().await;
    Ok(())
}

fn main() {
    let _ = run;
}
