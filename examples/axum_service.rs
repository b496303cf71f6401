//! A web service whose handlers talk to the gen_servers of a supervision tree held in the
//! router's state — the FastAPI "lifespan" pattern in Rust: the tree starts before serving, and
//! on Ctrl-C or SIGTERM the server stops accepting requests, finishes the ones in flight, and
//! then the tree shuts down in reverse order.
//!
//! Run it with `cargo run --example axum_service`, then:
//!
//! ```text
//! curl -X POST localhost:3000/add/5   # 5
//! curl localhost:3000/count            # 5
//! curl -X POST localhost:3000/crash    # the counter panics; its supervisor restarts it
//! curl localhost:3000/count            # 0: a fresh counter, reached by the same client
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
    services: supervisor(strategy = one_for_one, max_restarts = 10, within = 10s) {
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

/// Serves until `shutdown` resolves, then lets requests in flight finish, then stops the tree.
pub async fn serve(
    listener: TcpListener,
    services: Services,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<ExitReason> {
    axum::serve(listener, router(services.clone()))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(services.shutdown().await)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing_subscriber::fmt().with_target(false).init();
    std::panic::set_hook(Box::new(|_| {})); // panics are reported as exit reasons
    let services = Services::start(0).await?;
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let listener = TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let reason = serve(listener, services, signal()).await?;
    println!("stopped: {reason}");
    Ok(())
}
