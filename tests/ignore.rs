//! `ignore` from init through `#[gen_server]`: an `init` returning `Option<Self>` (or
//! `Result<Option<Self>, E>`) declines to start with `None`; the start succeeds with no server,
//! and a supervision tree keeps the child as a spec with no running child.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use perennial::prelude::*;
use perennial::supervisor::{ChildCounts, ChildState};
use perennial::{InitError, supervision_tree};

/// Runs only where it is enabled.
struct Feature;

#[gen_server]
impl Feature {
    fn init(enabled: Arc<AtomicBool>) -> Option<Self> {
        enabled.load(Ordering::SeqCst).then_some(Feature)
    }

    #[call]
    fn hello(&self) -> &'static str {
        "hello"
    }
}

#[derive(Debug)]
struct BadPort(String);

impl std::fmt::Display for BadPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad port `{}`", self.0)
    }
}

impl std::error::Error for BadPort {}

/// Listens on a port if one is configured; fails on a bad one.
struct Listener {
    port: u16,
}

#[gen_server]
impl Listener {
    async fn init(port: String) -> Result<Option<Self>, BadPort> {
        if port.is_empty() {
            return Ok(None);
        }
        let port = port.parse().map_err(|_| BadPort(port))?;
        Ok(Some(Listener { port }))
    }

    #[call]
    fn port(&self) -> u16 {
        self.port
    }
}

#[tokio::test(start_paused = true)]
async fn none_declines_to_start_and_the_client_reports_not_running() {
    let feature = Feature::start_client(Arc::new(AtomicBool::new(false)))
        .await
        .expect("an ignored start succeeds");
    assert!(matches!(
        feature.hello().await,
        Err(CallError::NotRunning { .. })
    ));
    // A client resolves to no server; the reference the start returns says why.
    assert!(feature.as_ref().resolve().is_none());
    let server = Feature::start(Arc::new(AtomicBool::new(false)))
        .await
        .unwrap();
    assert!(server.is_ignored() && !server.is_alive());

    let on = Feature::start_client(Arc::new(AtomicBool::new(true)))
        .await
        .unwrap();
    assert_eq!(on.hello().await, Ok("hello"));
}

#[tokio::test(start_paused = true)]
async fn ok_none_declines_and_err_fails() {
    let ignored = Listener::start(String::new()).await.unwrap();
    assert!(ignored.is_ignored());
    match Listener::start("eighty".into()).await {
        Err(StartError::Init(InitError::Failed(BadPort(port)))) => assert_eq!(port, "eighty"),
        other => panic!("expected the init error, got {other:?}"),
    }
    let error = Listener::start("x".into()).await.unwrap_err();
    assert!(error.to_string().contains("bad port `x`"), "{error}");
    let listening = Listener::start_client("80".into()).await.unwrap();
    assert_eq!(listening.port().await, Ok(80));
}

#[tokio::test(start_paused = true)]
async fn a_tree_keeps_an_ignored_child_as_a_spec_and_restart_child_retries_it()
-> Result<(), Box<dyn std::error::Error>> {
    let enabled = Arc::new(AtomicBool::new(false));
    let app = supervision_tree! {
        app: supervisor {
            feature: Feature(enabled.clone()),
            listener: Listener("8080".to_string()),
        }
    }
    .start()
    .await?;
    let sup = app.supervisor();
    assert_eq!(
        sup.count_children().await?,
        ChildCounts {
            specs: 2,
            active: 1,
            supervisors: 0,
            workers: 2
        }
    );
    assert_eq!(
        sup.child_status("feature").await?.state,
        ChildState::NotRunning
    );
    assert_eq!(app.listener.port().await, Ok(8080));

    enabled.store(true, Ordering::SeqCst);
    sup.restart_child("feature").await?;
    assert_eq!(sup.count_children().await?.active, 2);
    assert_eq!(app.feature.hello().await, Ok("hello"));
    app.shutdown().await;
    Ok(())
}
