//! A real nats-server for the tests: started on a free loopback port (core NATS only, no
//! JetStream), waited for until it answers, and killed (exactly the process started, by its
//! PID) when the guard drops — also when a test fails and unwinds.
//!
//! Without a `nats-server` binary (Debian's `nats-server`, or `$NATS_SERVER_BIN`) the tests
//! that need one print a loud SKIPPED line and pass, unless `PERENNIAL_REQUIRE_NATS=1` (set by
//! `.ci/run`) makes that a failure.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use perennial_cluster::NatsTransport;

pub struct Nats {
    child: Child,
    pub url: String,
    dir: tempfile::TempDir,
}

fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NATS_SERVER_BIN") {
        return Some(path.into());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .chain(["/usr/sbin".into(), "/usr/bin".into()])
            .map(|p| p.join("nats-server"))
            .find(|p| p.is_file())
    })
}

impl Nats {
    /// Starts a nats-server, or returns `None` (after a loud message) when none is installed.
    pub async fn start() -> Option<Nats> {
        let Some(binary) = binary() else {
            if std::env::var_os("PERENNIAL_REQUIRE_NATS").is_some() {
                panic!("PERENNIAL_REQUIRE_NATS is set but no `nats-server` binary is on PATH");
            }
            eprintln!(
                "\n*** SKIPPED: no `nats-server` binary on PATH (apt-get install nats-server); \
                 the remote-call tests against a real NATS did not run ***\n"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let log = dir.path().join("nats.log");
        let child = Command::new(binary)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-l"])
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let mut nats = Nats {
            child,
            url: format!("nats://127.0.0.1:{port}"),
            dir,
        };
        nats.wait_ready().await;
        Some(nats)
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "nats-server exited at start ({status}); its log:\n{}",
                    self.log()
                );
            }
            if tokio::net::TcpStream::connect(self.url.trim_start_matches("nats://"))
                .await
                .is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "nats-server did not answer within 20 s; its log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("nats.log")).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A new connection (one per node, as separate processes would have).
    pub async fn connect(&self) -> NatsTransport {
        NatsTransport::connect(&self.url)
            .await
            .expect("the test nats-server answers")
    }

    /// `kill -STOP` the nats-server process (by its PID).
    pub fn pause(&self) {
        super::signal("-STOP", self.pid());
    }

    /// `kill -CONT` it.
    pub fn resume(&self) {
        super::signal("-CONT", self.pid());
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        // SIGKILL reaches a stopped process too; then reap it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
