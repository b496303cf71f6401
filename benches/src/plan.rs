//! What a run measures: the runtime flavors, the contenders, the sizes and the measures.

use std::future::Future;
use std::time::Duration;

/// A tokio runtime flavor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Flavor {
    /// `new_multi_thread().worker_threads(2)`.
    Multi,
    /// `new_current_thread()`.
    Current,
}

impl Flavor {
    pub(crate) const ALL: [Flavor; 2] = [Flavor::Multi, Flavor::Current];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Flavor::Multi => "mt2",
            Flavor::Current => "ct",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Flavor::ALL.into_iter().find(|f| f.label() == s)
    }

    pub(crate) fn runtime(self) -> tokio::runtime::Runtime {
        match self {
            Flavor::Multi => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build(),
            Flavor::Current => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
        }
        .expect("a tokio runtime")
    }

    /// Runs `fut` as a task on a fresh runtime of this flavor (so that, on the multi-thread
    /// runtime, the driver runs on a worker like everything else) and returns its output.
    pub(crate) fn run<F>(self, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let rt = self.runtime();
        let out = rt
            .block_on(async { tokio::spawn(fut).await })
            .expect("the measured task panicked");
        rt.shutdown_timeout(Duration::from_secs(2));
        out
    }
}

/// Who is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Contender {
    Floor,
    Perennial,
    Ractor,
    Kameo,
}

impl Contender {
    pub(crate) const ALL: [Contender; 4] = [
        Contender::Floor,
        Contender::Perennial,
        Contender::Ractor,
        Contender::Kameo,
    ];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Contender::Floor => "floor",
            Contender::Perennial => "perennial",
            Contender::Ractor => "ractor",
            Contender::Kameo => "kameo",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Contender::ALL.into_iter().find(|c| c.label() == s)
    }
}

/// How big each measure is, and how often it is repeated.
#[derive(Clone, Debug)]
pub(crate) struct Sizes {
    pub(crate) reps: usize,
    pub(crate) calls: usize,
    pub(crate) casts: usize,
    pub(crate) capacity: usize,
    pub(crate) children: usize,
    pub(crate) memory: usize,
    pub(crate) crashes: usize,
    pub(crate) groups: usize,
    pub(crate) per_group: usize,
    pub(crate) health_servers: usize,
    pub(crate) health_interval: Duration,
    pub(crate) health_window: Duration,
    pub(crate) health_reps: usize,
}

impl Sizes {
    pub(crate) fn full() -> Self {
        Sizes {
            reps: 5,
            calls: 200_000,
            casts: 1_000_000,
            capacity: 1024,
            children: 100_000,
            memory: 100_000,
            crashes: 10_000,
            groups: 100,
            per_group: 100,
            health_servers: 10_000,
            health_interval: Duration::from_secs(1),
            health_window: Duration::from_secs(3),
            health_reps: 3,
        }
    }

    /// Small enough to finish in under a minute; the ping rate of the health row is the full
    /// run's (10k pings a second), from a tenth of the servers at a tenth of the interval.
    pub(crate) fn quick() -> Self {
        Sizes {
            reps: 3,
            calls: 10_000,
            casts: 100_000,
            capacity: 1024,
            children: 10_000,
            memory: 10_000,
            crashes: 500,
            groups: 10,
            per_group: 100,
            health_servers: 1_000,
            health_interval: Duration::from_millis(100),
            health_window: Duration::from_millis(500),
            health_reps: 2,
        }
    }
}

impl Sizes {
    pub(crate) fn set(&mut self, key: &str, n: usize) -> Result<(), String> {
        let ms = |n: usize| Duration::from_millis(n as u64);
        match key {
            "calls" => self.calls = n,
            "casts" => self.casts = n,
            "capacity" => self.capacity = n,
            "children" => self.children = n,
            "memory" => self.memory = n,
            "crashes" => self.crashes = n,
            "groups" => self.groups = n,
            "per_group" => self.per_group = n,
            "health_servers" => self.health_servers = n,
            "health_interval_ms" => self.health_interval = ms(n),
            "health_window_ms" => self.health_window = ms(n),
            "health_reps" => self.health_reps = n,
            other => return Err(format!("unknown size `{other}`")),
        }
        Ok(())
    }
}

/// What is run; each measure fills one or more rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Measure {
    Call,
    Cast,
    Start,
    Memory,
    Restart,
    Tree,
    Health,
}

impl Measure {
    pub(crate) const ALL: [Measure; 7] = [
        Measure::Call,
        Measure::Cast,
        Measure::Start,
        Measure::Memory,
        Measure::Restart,
        Measure::Tree,
        Measure::Health,
    ];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Measure::Call => "call",
            Measure::Cast => "cast",
            Measure::Start => "start",
            Measure::Memory => "memory",
            Measure::Restart => "restart",
            Measure::Tree => "tree",
            Measure::Health => "health",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Measure::ALL.into_iter().find(|m| m.label() == s)
    }
}

pub(crate) struct Options {
    pub(crate) sizes: Sizes,
    pub(crate) quick: bool,
    pub(crate) measures: Vec<Measure>,
    pub(crate) flavors: Vec<Flavor>,
    pub(crate) who: Vec<Contender>,
    /// The machine's load average when the run started.
    pub(crate) load_at_start: String,
}
