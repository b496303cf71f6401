//! A web service whose handlers talk to the gen_servers of a supervision tree held in the
//! router's state — the FastAPI "lifespan" pattern in Rust. The tree starts before serving, and
//! the service lives and dies with it:
//!
//! - on Ctrl-C or SIGTERM the server stops accepting, finishes the requests in flight, then the
//!   tree shuts down in reverse order, and the process exits 0;
//! - when the tree gives up (its restart intensity exceeded), the server stops accepting and
//!   drains the same way, and the process exits 1 with the cause on stderr, so that whatever
//!   runs it (systemd, Kubernetes) sees a dead service and restarts or reports it.
//!
//! Run it with `cargo run --example axum_service`, then:
//!
//! ```text
//! curl -X POST localhost:3000/add/5   # 5
//! curl localhost:3000/count            # 5
//! curl -X POST localhost:3000/crash    # the counter panics; its supervisor restarts it
//! curl localhost:3000/count            # 0: a fresh counter, reached by the same client
//! # three more crashes within 10 s and the tree gives up: the service exits with status 1
//! ```

use std::future::Future;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use perennial::prelude::*;
use perennial::{gen_server, supervision_tree};
use tokio::net::TcpListener;

/// A counter behind the HTTP API.
pub struct Counter {
    n: i64,
}

#[gen_server]
impl Counter {
    async fn init(start: i64) -> Self {
        Counter { n: start }
    }

    #[call]
    fn get(&self) -> i64 {
        self.n
    }

    #[call]
    fn add(&mut self, by: i64) -> i64 {
        self.n += by;
        self.n
    }

    /// A bug reachable over HTTP, to show a restart.
    #[call]
    fn crash(&mut self) {
        panic!("the counter crashed on purpose");
    }
}

supervision_tree! {
    /// The service's servers. The type has a name, so it can be the router's state.
    pub struct Services(start: i64);
    services: supervisor(strategy = one_for_one, max_restarts = 3, within = 10s) {
        counter: Counter(start),
    }
}

/// The HTTP API over a started tree.
pub fn router(services: Services) -> Router {
    Router::new()
        .route("/count", get(count))
        .route("/add/{n}", post(add))
        .route("/crash", post(crash))
        .with_state(services)
}

/// A call that failed (the server is restarting, or timed out) is a 503, with the reason.
fn unavailable(e: CallError) -> (StatusCode, String) {
    (StatusCode::SERVICE_UNAVAILABLE, e.to_string())
}

async fn count(State(services): State<Services>) -> Result<String, (StatusCode, String)> {
    let n = services.counter.get().await.map_err(unavailable)?;
    Ok(n.to_string())
}

async fn add(
    State(services): State<Services>,
    Path(by): Path<i64>,
) -> Result<String, (StatusCode, String)> {
    let n = services.counter.add(by).await.map_err(unavailable)?;
    Ok(n.to_string())
}

async fn crash(State(services): State<Services>) -> (StatusCode, String) {
    match services.counter.crash().await {
        Ok(()) => (StatusCode::OK, "it did not crash".to_owned()),
        Err(e) => (StatusCode::ACCEPTED, format!("crashed: {e}")),
    }
}

/// Serves until `stop` resolves or the tree exits, whichever comes first; then lets the
/// requests in flight finish, shuts the tree down and returns how it ended: `Shutdown` after
/// `stop`, the escalation when the tree gave up.
pub async fn serve(
    listener: TcpListener,
    services: Services,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<ExitReason> {
    let lifespan = services.exit_or(stop);
    axum::serve(listener, router(services.clone()))
        .with_graceful_shutdown(async move {
            lifespan.await;
        })
        .await?;
    Ok(services.shutdown().await)
}

#[tokio::main]
async fn main() -> Result<ExitReason, Box<dyn std::error::Error + Send + Sync>> {
    // Logs to stderr, in colour only on a terminal; `RUST_LOG=debug` shows more.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .init();
    // Panics perennial catches are logged as exit reasons; keep them off stderr (and only them).
    perennial::panics::quiet_caught_panics();
    let services = Services::start(0).await?;
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    // Ctrl-C or SIGTERM, or the tree's death: the lifespan of the HTTP server.
    let stop = services.signal_or_exit()?;
    // `ExitReason` as `main`'s result: exit status 0 after a signal, 1 (and the cause) if the
    // tree gave up.
    Ok(serve(listener, services, stop).await?)
}
