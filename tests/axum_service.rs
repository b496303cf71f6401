//! The axum example as a client sees it: real HTTP on a loopback port, a crash through an
//! endpoint, requests answered again after the restart, and a graceful stop.
//!
//! This test runs on the real clock: it waits on sockets, and a paused clock would jump timers
//! (call timeouts) forward while the runtime waits for I/O. It awaits responses; it never sleeps.

#[allow(dead_code)]
#[path = "../examples/axum_service.rs"]
mod axum_service;

use std::net::SocketAddr;

use axum_service::{Services, serve};
use perennial::ExitReason;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// One HTTP/1.1 request; returns the status code and the body.
async fn request(addr: SocketAddr, method: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("sends");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("reads");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn the_service_answers_again_after_a_crash_and_stops_gracefully() {
    let services = Services::start(0).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, services.clone(), async {
        let _ = stopped.await;
    }));

    assert_eq!(request(addr, "POST", "/add/5").await, (200, "5".into()));
    assert_eq!(request(addr, "GET", "/count").await, (200, "5".into()));

    let (status, body) = request(addr, "POST", "/crash").await;
    assert_eq!(status, 202, "{body}");
    assert!(body.contains("the counter crashed on purpose"), "{body}");

    // The supervisor restarted the counter; the same client in the state reaches the new one.
    assert_eq!(request(addr, "GET", "/count").await, (200, "0".into()));
    assert_eq!(request(addr, "POST", "/add/2").await, (200, "2".into()));
    assert_eq!(services.restart_count("counter").await, Ok(1));

    stop.send(()).unwrap();
    let reason = server.await.unwrap().unwrap();
    assert_eq!(reason, ExitReason::Shutdown);
    assert!(services.is_shutting_down());
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the port is closed"
    );
}

#[tokio::test]
async fn the_service_stops_accepting_and_fails_when_its_tree_gives_up() {
    let services = Services::start(0).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut events = services.subscribe();
    // No signal in this test: only the tree's death can stop the server.
    let server = tokio::spawn(serve(listener, services.clone(), std::future::pending()));

    assert_eq!(request(addr, "POST", "/add/5").await, (200, "5".into()));
    // The tree allows 3 restarts within 10 s: the 4th crash is one too many. Each crash's
    // request is answered, the last one while the server drains.
    for _ in 0..4 {
        let (status, body) = request(addr, "POST", "/crash").await;
        assert_eq!(status, 202, "{body}");
    }
    let gave_up = events
        .wait_for(|e| matches!(e, perennial::supervisor::Event::IntensityExceeded { .. }))
        .await;
    assert!(gave_up.is_some());

    // The server stopped on its own, and `serve` returns the tree's escalation.
    let reason = server.await.unwrap().unwrap();
    let ExitReason::Escalated(escalation) = &reason else {
        panic!("expected an escalation, got {reason}");
    };
    assert_eq!(&*escalation.child, "counter");
    assert!(
        reason
            .to_string()
            .contains("the counter crashed on purpose"),
        "{reason}"
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the port is closed"
    );
    // Returned from `main`, that reason is a failing exit status.
    assert_eq!(
        std::process::Termination::report(reason),
        std::process::ExitCode::FAILURE
    );
    assert_eq!(
        std::process::Termination::report(ExitReason::Shutdown),
        std::process::ExitCode::SUCCESS
    );
}
