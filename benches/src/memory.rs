//! Memory per idle server: each sample in a fresh child process with a counting allocator.

use std::process::Command;
use std::time::Duration;

use crate::plan::{Contender, Flavor};
use crate::{alloc, floor, ours, sys, vs_kameo, vs_ractor};

/// perennial's default health-check interval, which the floor's health tasks use on the
/// start and memory rows with health checks on.
pub(crate) const HEALTH_INTERVAL: Duration = Duration::from_secs(30);

/// What a memory sample keeps idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MemKind {
    /// Children of a supervisor, health checks off.
    Supervised,
    /// Servers started by themselves (the floor: bare tasks + channels).
    Bare,
    /// Children of a supervisor with health checks on.
    Health,
}

impl MemKind {
    pub(crate) const ALL: [MemKind; 3] = [MemKind::Supervised, MemKind::Bare, MemKind::Health];

    pub(crate) fn label(self) -> &'static str {
        match self {
            MemKind::Supervised => "supervised",
            MemKind::Bare => "bare",
            MemKind::Health => "health",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        MemKind::ALL.into_iter().find(|k| k.label() == s)
    }
}

/// Runs one memory sample in a fresh child process: (allocated bytes, RSS bytes) per server.
pub(crate) fn memory_in_child(
    who: Contender,
    flavor: Flavor,
    kind: MemKind,
    n: usize,
) -> Result<(f64, f64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args([
            "--memory-sample",
            who.label(),
            flavor.label(),
            &n.to_string(),
            kind.label(),
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().map(str::parse::<f64>);
    match (it.next(), it.next()) {
        (Some(Ok(a)), Some(Ok(r))) => Ok((a, r)),
        _ => Err(format!("unexpected output `{text}`")),
    }
}

/// The child process of a memory sample: counts every allocation from the start, starts `n`
/// idle servers (under a supervisor, unless KIND says otherwise), and prints the bytes per
/// server (allocated, RSS).
pub(crate) fn memory_sample(args: &[String]) {
    alloc::start_counting();
    let kind = match args.get(3) {
        Some(k) => MemKind::parse(k),
        None => Some(MemKind::Supervised),
    };
    let (Some(who), Some(flavor), Some(n), Some(kind)) = (
        args.first().and_then(|a| Contender::parse(a)),
        args.get(1).and_then(|a| Flavor::parse(a)),
        args.get(2).and_then(|a| a.parse::<usize>().ok()),
        kind,
    ) else {
        eprintln!("usage: --memory-sample CONTENDER FLAVOR N [supervised|bare|health]");
        std::process::exit(2);
    };
    let rt = flavor.runtime();
    // Warm the runtime (worker threads, timer, first task) before the baseline.
    rt.block_on(async {
        tokio::spawn(async { tokio::task::yield_now().await })
            .await
            .expect("warm-up task");
    });
    let (alloc0, rss0) = (alloc::live_bytes(), sys::rss_bytes());
    let keep = rt
        .block_on(async move {
            tokio::spawn(async move {
                let keep = match (who, kind) {
                    (Contender::Floor, MemKind::Supervised) => floor::idle(n, None).await,
                    (Contender::Floor, MemKind::Bare) => floor::idle_bare(n).await,
                    (Contender::Floor, MemKind::Health) => {
                        floor::idle(n, Some(HEALTH_INTERVAL)).await
                    }
                    (Contender::Perennial, MemKind::Supervised) => ours::idle(n, false).await,
                    (Contender::Perennial, MemKind::Bare) => ours::idle_bare(n).await,
                    (Contender::Perennial, MemKind::Health) => ours::idle(n, true).await,
                    (Contender::Ractor, _) => vs_ractor::idle(n).await,
                    (Contender::Kameo, _) => vs_kameo::idle(n).await,
                };
                // Let every server reach its idle wait.
                tokio::time::sleep(Duration::from_millis(100)).await;
                keep
            })
            .await
        })
        .expect("the memory task panicked");
    let alloc = (alloc::live_bytes() - alloc0) as f64 / n as f64;
    let rss = sys::rss_bytes().saturating_sub(rss0) as f64 / n as f64;
    println!("{alloc} {rss}");
    // Exit without tearing down: the sample is taken.
    std::mem::forget(keep);
    std::process::exit(0);
}
