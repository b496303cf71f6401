//! A real etcd for the tests: started on free loopback ports with a temporary data dir, waited
//! for until it answers, and killed (exactly the process started, by its PID) when the guard
//! drops — also when a test fails and unwinds.
//!
//! Without an `etcd` binary (Debian's `etcd-server`, or `$ETCD_BIN`) the tests that need one
//! print a loud SKIPPED line and pass, unless `PERENNIAL_REQUIRE_ETCD=1` (set by `.ci/run`)
//! makes that a failure.

#![allow(dead_code)]

pub mod nats;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use perennial_cluster::{EtcdBackend, NameBackend, WatchEvent};

pub struct Etcd {
    child: Child,
    pub endpoint: String,
    dir: tempfile::TempDir,
    binary: PathBuf,
    args: Vec<String>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ETCD_BIN") {
        return Some(path.into());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("etcd"))
            .find(|p| p.is_file())
    })
}

/// The `etcd` binary, or `None` after a loud SKIPPED message (a failure under
/// `PERENNIAL_REQUIRE_ETCD`).
fn binary_or_skip() -> Option<PathBuf> {
    let binary = binary();
    if binary.is_none() {
        if std::env::var_os("PERENNIAL_REQUIRE_ETCD").is_some() {
            panic!("PERENNIAL_REQUIRE_ETCD is set but no `etcd` binary is on PATH");
        }
        eprintln!(
            "\n*** SKIPPED: no `etcd` binary on PATH (apt-get install etcd-server); \
             the cluster tests against a real etcd did not run ***\n"
        );
    }
    binary
}

impl Etcd {
    /// Starts an etcd, or returns `None` (after a loud message) when none is installed.
    pub async fn start() -> Option<Etcd> {
        let binary = binary_or_skip()?;
        let (client, peer) = (free_port(), free_port());
        let peer_url = format!("http://127.0.0.1:{peer}");
        let mut etcd =
            Etcd::spawn_member(binary, "test", client, peer, &format!("test={peer_url}"));
        etcd.wait_ready().await;
        Some(etcd)
    }

    /// Spawns one member named `name` (client and peer ports on loopback, a data dir of its
    /// own) of the cluster `initial_cluster`, without waiting for it.
    fn spawn_member(
        binary: PathBuf,
        name: &str,
        client: u16,
        peer: u16,
        initial_cluster: &str,
    ) -> Etcd {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let endpoint = format!("http://127.0.0.1:{client}");
        let peer_url = format!("http://127.0.0.1:{peer}");
        let args = vec![
            "--name".into(),
            name.into(),
            "--data-dir".into(),
            dir.path().join("data").display().to_string(),
            "--listen-client-urls".into(),
            endpoint.clone(),
            "--advertise-client-urls".into(),
            endpoint.clone(),
            "--listen-peer-urls".into(),
            peer_url.clone(),
            "--initial-advertise-peer-urls".into(),
            peer_url,
            "--initial-cluster".into(),
            initial_cluster.into(),
            "--initial-cluster-state".into(),
            "new".into(),
            // Short raft timers: a 1 s lease TTL is allowed, and elections are quick.
            "--heartbeat-interval".into(),
            "50".into(),
            "--election-timeout".into(),
            "500".into(),
        ];
        Etcd {
            child: spawn(&binary, &args, &dir),
            endpoint,
            dir,
            binary,
            args,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("etcd exited at start ({status}); its log:\n{}", self.log());
            }
            if EtcdBackend::connect_with_timeout([&self.endpoint], Duration::from_millis(500))
                .await
                .is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "etcd did not answer within 20 s; its log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default()
    }

    /// `kill -STOP` the etcd process (by its PID).
    pub fn pause(&self) {
        signal("-STOP", self.pid());
    }

    /// `kill -CONT` it.
    pub fn resume(&self) {
        signal("-CONT", self.pid());
    }

    /// Kills it and starts it again on the same ports and data.
    pub async fn restart(&mut self) {
        self.kill();
        self.child = spawn(&self.binary, &self.args, &self.dir);
        self.wait_ready().await;
    }

    /// Kills it (SIGKILL, by its PID) and reaps it.
    pub fn kill(&mut self) {
        // SIGKILL reaches a stopped process too; then reap it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub async fn backend(&self) -> EtcdBackend {
        EtcdBackend::connect([&self.endpoint])
            .await
            .expect("the test etcd answers")
    }
}

fn spawn(binary: &PathBuf, args: &[String], dir: &tempfile::TempDir) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.path().join("etcd.log"))
        .expect("etcd's log file");
    let err = log.try_clone().expect("etcd's log file");
    Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .spawn()
        .expect("etcd starts")
}

pub fn signal(which: &str, pid: u32) {
    let status = Command::new("kill")
        .args([which, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {which} {pid} failed");
    if which == "-STOP" {
        wait_stopped(pid);
    }
}

/// Waits until every thread of `pid` is stopped: `kill -STOP` returns once the signal is
/// sent, and a thread running on another core may still handle a request in the meantime.
fn wait_stopped(pid: u32) {
    let stopped = |stat: &str| {
        // The state is the first field after the command's closing parenthesis.
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "T" || state == "t")
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let all = std::fs::read_dir(format!("/proc/{pid}/task"))
            .map(|tasks| {
                tasks.flatten().all(|task| {
                    std::fs::read_to_string(task.path().join("stat")).is_ok_and(|s| stopped(&s))
                })
            })
            .unwrap_or(false);
        if all {
            return;
        }
        assert!(Instant::now() < deadline, "process {pid} did not stop");
        std::thread::sleep(Duration::from_millis(1));
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A cluster of etcd members on loopback, each with its own free ports and data dir. Each
/// member is an [`Etcd`] guard: dropping the cluster (also when a test fails) kills exactly
/// the processes it started.
pub struct EtcdCluster {
    pub members: Vec<Etcd>,
}

impl EtcdCluster {
    /// Starts `n` members and waits until each answers (which needs a quorum), or returns
    /// `None` (after a loud message) when no etcd is installed.
    pub async fn start(n: usize) -> Option<EtcdCluster> {
        let binary = binary_or_skip()?;
        let ports: Vec<(u16, u16)> = (0..n).map(|_| (free_port(), free_port())).collect();
        let initial = ports
            .iter()
            .enumerate()
            .map(|(i, (_, peer))| format!("m{i}=http://127.0.0.1:{peer}"))
            .collect::<Vec<_>>()
            .join(",");
        // All spawned before any is waited for: none answers before a quorum has met.
        let mut members: Vec<Etcd> = ports
            .iter()
            .enumerate()
            .map(|(i, (client, peer))| {
                Etcd::spawn_member(binary.clone(), &format!("m{i}"), *client, *peer, &initial)
            })
            .collect();
        for member in &mut members {
            member.wait_ready().await;
        }
        Some(EtcdCluster { members })
    }

    /// Every member's client URL.
    pub fn endpoints(&self) -> Vec<String> {
        self.members.iter().map(|m| m.endpoint.clone()).collect()
    }

    /// The index of the member that is the raft leader now, as the members themselves say
    /// (each asked alone; bounded wait while an election is under way).
    pub async fn leader(&self) -> usize {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            for (i, member) in self.members.iter().enumerate() {
                if member.is_leader().await {
                    return i;
                }
            }
            assert!(Instant::now() < deadline, "no etcd member says it leads");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A connection to every member still running.
    pub async fn backend(&mut self) -> EtcdBackend {
        let alive: Vec<String> = self
            .members
            .iter_mut()
            .filter_map(|m| m.running().then(|| m.endpoint.clone()))
            .collect();
        EtcdBackend::connect(alive)
            .await
            .expect("the running members answer")
    }
}

impl Etcd {
    /// Whether this member says it is the raft leader.
    pub async fn is_leader(&self) -> bool {
        let options = etcd_client::ConnectOptions::new()
            .with_connect_timeout(Duration::from_millis(500))
            .with_timeout(Duration::from_millis(500));
        let Ok(mut client) = etcd_client::Client::connect([&self.endpoint], Some(options)).await
        else {
            return false;
        };
        match client.status().await {
            Ok(status) => status
                .header()
                .is_some_and(|h| h.member_id() == status.leader()),
            Err(_) => false,
        }
    }

    /// Whether the process is still running (not killed, not exited).
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// Checks etcd's own history of every name under `prefix` (a watch from revision 1): a name is
/// never created twice without a delete in between (never two holders at one revision), and
/// its tokens (creation revisions) strictly increase. Returns each name's tokens in order.
pub async fn check_history(etcd: &EtcdBackend, prefix: &str) -> HashMap<String, Vec<i64>> {
    let (_, now) = etcd.list(prefix).await.expect("etcd answers");
    let mut rx = etcd
        .watch(prefix, 1)
        .await
        .expect("a watch from revision 1");
    let mut holder: HashMap<String, Option<i64>> = HashMap::new();
    let mut tokens: HashMap<String, Vec<i64>> = HashMap::new();
    let mut seen = 0;
    while seen < now {
        let event = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("the history arrives")
            .expect("the watch stays open")
            .expect("the watch does not break");
        seen = event.revision();
        match event {
            WatchEvent::Put(record) => {
                let current = holder.entry(record.key.clone()).or_default();
                if record.create_revision == record.mod_revision {
                    assert_eq!(
                        *current, None,
                        "`{}` created at {} while held since {:?}",
                        record.key, record.create_revision, current
                    );
                    let list = tokens.entry(record.key.clone()).or_default();
                    if let Some(last) = list.last() {
                        assert!(record.create_revision > *last, "tokens must increase");
                    }
                    list.push(record.create_revision);
                }
                *current = Some(record.create_revision);
            }
            WatchEvent::Delete { key, .. } => {
                holder.insert(key, None);
            }
        }
    }
    tokens
}
