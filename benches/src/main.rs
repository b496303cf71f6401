//! perennial-bench: perennial's runtime measured side by side with the raw tokio floor, ractor
//! and kameo, in one run, and reported as ratios to the floor (these machines are noisy).
//!
//! ```text
//! cargo run -p perennial-bench --release              # the full run (a few minutes)
//! cargo run -p perennial-bench --release -- --quick   # small sizes, under a minute
//! cargo run -p perennial-bench --release -- --help    # sizes, filters
//! ```
//!
//! Every measure runs `reps` times on a fresh tokio runtime of each flavor (multi-thread with 2
//! workers, current-thread), the contenders interleaved within each repetition. A cell is the
//! median [min–max] of the repetitions and, for the contenders, the ratio of their median to the
//! floor's. Memory is measured in a fresh child process per sample, with a counting global
//! allocator. See BENCHMARKS.md for the method and the latest table.

mod alloc;
mod floor;
mod ours;
mod stats;
mod sys;
mod vs_kameo;
mod vs_ractor;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::future::Future;
use std::process::Command;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: alloc::Counting = alloc::Counting;

/// The payload every contender's crash panics with; the panic hook keeps these quiet.
pub const CRASH: &str = "perennial-bench: crash on request";

/// Whatever keeps a set of started servers alive until it is dropped.
pub type Keep = Box<dyn std::any::Any + Send>;

/// How many untimed calls warm a server up before `n` timed ones.
pub fn warm_up(n: usize) -> usize {
    (n / 10).clamp(1, 1000)
}

/// A tokio runtime flavor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Flavor {
    /// `new_multi_thread().worker_threads(2)`.
    Multi,
    /// `new_current_thread()`.
    Current,
}

impl Flavor {
    const ALL: [Flavor; 2] = [Flavor::Multi, Flavor::Current];

    fn label(self) -> &'static str {
        match self {
            Flavor::Multi => "mt2",
            Flavor::Current => "ct",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Flavor::ALL.into_iter().find(|f| f.label() == s)
    }

    fn runtime(self) -> tokio::runtime::Runtime {
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
    fn run<F>(self, fut: F) -> F::Output
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
enum Contender {
    Floor,
    Perennial,
    Ractor,
    Kameo,
}

impl Contender {
    const ALL: [Contender; 4] = [
        Contender::Floor,
        Contender::Perennial,
        Contender::Ractor,
        Contender::Kameo,
    ];

    fn label(self) -> &'static str {
        match self {
            Contender::Floor => "floor",
            Contender::Perennial => "perennial",
            Contender::Ractor => "ractor",
            Contender::Kameo => "kameo",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Contender::ALL.into_iter().find(|c| c.label() == s)
    }
}

/// How big each measure is, and how often it is repeated.
#[derive(Clone, Debug)]
struct Sizes {
    reps: usize,
    calls: usize,
    casts: usize,
    capacity: usize,
    children: usize,
    memory: usize,
    crashes: usize,
    groups: usize,
    per_group: usize,
    health_servers: usize,
    health_interval: Duration,
    health_window: Duration,
    health_reps: usize,
}

impl Sizes {
    fn full() -> Self {
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
    fn quick() -> Self {
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
    fn set(&mut self, key: &str, n: usize) -> Result<(), String> {
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
enum Measure {
    Call,
    Cast,
    Start,
    Memory,
    Restart,
    Tree,
    Health,
}

impl Measure {
    const ALL: [Measure; 7] = [
        Measure::Call,
        Measure::Cast,
        Measure::Start,
        Measure::Memory,
        Measure::Restart,
        Measure::Tree,
        Measure::Health,
    ];

    fn label(self) -> &'static str {
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

    fn parse(s: &str) -> Option<Self> {
        Measure::ALL.into_iter().find(|m| m.label() == s)
    }
}

/// A line of the table (per flavor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Row {
    Call,
    CallClient,
    /// A call to a supervised child through the tree's (name-bound) client, the README's way.
    CallSupervised,
    /// A call through a client bound to a registered (unsupervised) server's name.
    CallNamed,
    /// A call whose handler answers through a reply token (`ReplyTo`).
    CallDeferred,
    CastUnbounded,
    CastBounded,
    /// 8 producer tasks casting into one server.
    CastProducers,
    /// Unsupervised: a server started and stopped by itself (floor: a bare task + channel).
    StartBare,
    StopBare,
    /// Supervised: a dynamic supervisor's child, health checks off (floor: its supervisor).
    Start,
    Stop,
    /// Supervised with health checks on (floor: its supervisor with a ping task per child).
    StartHealth,
    StopHealth,
    MemBare,
    MemAlloc,
    MemRss,
    MemHealth,
    RestartMedian,
    RestartP99,
    TreeHand,
    TreeStop,
    TreeMacro,
    /// The hand-written tree at the macro tree's shape (not shown: the macro row's reference).
    TreeMacroHand,
    HealthCpu,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// Seconds; lower is better.
    Time,
    /// Messages per second; higher is better.
    Rate,
    /// Bytes; lower is better.
    Bytes,
    /// A fraction of one core; lower is better.
    Cpu,
}

/// One of perennial's targets for a row (issue 17).
#[derive(Clone, Copy)]
enum Target {
    /// Ratio to the floor at most this.
    AtMost(f64),
    /// Ratio to the floor at least this.
    AtLeast(f64),
    /// perennial's median at most this many times its median on another row.
    VsRow(Row, f64),
    /// perennial's median at most this many bytes above its median on another row.
    PlusBytes(Row, f64),
    /// Each peer's ratio at least this many times perennial's (and so ahead of both).
    AheadBy(f64),
}

impl Row {
    const ALL: [Row; 24] = [
        Row::Call,
        Row::CallClient,
        Row::CallSupervised,
        Row::CallNamed,
        Row::CallDeferred,
        Row::CastUnbounded,
        Row::CastBounded,
        Row::CastProducers,
        Row::StartBare,
        Row::StopBare,
        Row::Start,
        Row::Stop,
        Row::StartHealth,
        Row::StopHealth,
        Row::MemBare,
        Row::MemAlloc,
        Row::MemRss,
        Row::MemHealth,
        Row::RestartMedian,
        Row::RestartP99,
        Row::TreeHand,
        Row::TreeStop,
        Row::TreeMacro,
        Row::HealthCpu,
    ];

    fn measure(self) -> Measure {
        match self {
            Row::Call
            | Row::CallClient
            | Row::CallSupervised
            | Row::CallNamed
            | Row::CallDeferred => Measure::Call,
            Row::CastUnbounded | Row::CastBounded | Row::CastProducers => Measure::Cast,
            Row::StartBare
            | Row::StopBare
            | Row::Start
            | Row::Stop
            | Row::StartHealth
            | Row::StopHealth => Measure::Start,
            Row::MemBare | Row::MemAlloc | Row::MemRss | Row::MemHealth => Measure::Memory,
            Row::RestartMedian | Row::RestartP99 => Measure::Restart,
            Row::TreeHand | Row::TreeStop | Row::TreeMacro | Row::TreeMacroHand => Measure::Tree,
            Row::HealthCpu => Measure::Health,
        }
    }

    fn label(self, s: &Sizes) -> String {
        match self {
            Row::Call => "1 call round trip, generated client (per call)".into(),
            Row::CallClient => "1 call round trip, runtime Client<S> by hand (per call)".into(),
            Row::CallSupervised => {
                "1 call round trip, supervised child via the tree's client (per call)".into()
            }
            Row::CallNamed => {
                "1 call round trip, name-bound client of a registered server (per call)".into()
            }
            Row::CallDeferred => {
                "1 call round trip, answered through ReplyTo (per call; target: vs a direct reply)"
                    .into()
            }
            Row::CastUnbounded => format!("2 cast throughput, unbounded ({} casts)", s.casts),
            Row::CastBounded => format!(
                "2 cast throughput, bounded {} ({} casts)",
                s.capacity, s.casts
            ),
            Row::CastProducers => format!(
                "2 cast throughput, {PRODUCERS} producers -> 1 server, unbounded ({} casts)",
                s.casts
            ),
            Row::StartBare => format!(
                "3 start per server, unsupervised (floor: bare task + channel) ({})",
                s.children
            ),
            Row::StopBare => format!(
                "3 stop per server, unsupervised, one by one (floor: bare task + channel) ({})",
                s.children
            ),
            Row::Start => format!(
                "3 start per child, dynamic supervisor, health off (floor: its supervisor) ({})",
                s.children
            ),
            Row::Stop => format!(
                "3 supervisor teardown per child, health off (floor: its supervisor) ({})",
                s.children
            ),
            Row::StartHealth => format!(
                "3 start per child, health checks on (floor: + a ping task per child) ({})",
                s.children
            ),
            Row::StopHealth => format!(
                "3 supervisor teardown per child, health checks on (floor: + ping tasks) ({})",
                s.children
            ),
            Row::MemBare => format!(
                "4 memory per idle server, unsupervised, allocated (floor: bare task + channel) ({})",
                s.memory
            ),
            Row::MemAlloc => format!(
                "4 memory per idle child, supervised, allocated (floor: its supervisor) ({})",
                s.memory
            ),
            Row::MemRss => format!(
                "4 memory per idle child, supervised, RSS (floor: its supervisor) ({})",
                s.memory
            ),
            Row::MemHealth => format!(
                "4 memory per idle child, health checks on, allocated (floor: + ping tasks) ({})",
                s.memory
            ),
            Row::RestartMedian => format!("5 restart latency, median ({} crashes)", s.crashes),
            Row::RestartP99 => format!("5 restart latency, p99 ({} crashes)", s.crashes),
            Row::TreeHand => format!(
                "6 tree of {}x{} started, hand-written API",
                s.groups, s.per_group
            ),
            Row::TreeStop => format!(
                "6 tree of {}x{} shut down, hand-written API",
                s.groups, s.per_group
            ),
            Row::TreeMacro | Row::TreeMacroHand => format!(
                "6 tree of {}x{} started, supervision_tree! (ratio: to the same tree by hand)",
                ours::macro_tree::GROUPS,
                ours::macro_tree::PER_GROUP
            ),
            Row::HealthCpu => format!(
                "7 health checks, CPU ({} servers every {:?})",
                s.health_servers, s.health_interval
            ),
        }
    }

    fn unit(self) -> Unit {
        match self {
            Row::CastUnbounded | Row::CastBounded | Row::CastProducers => Unit::Rate,
            Row::MemBare | Row::MemAlloc | Row::MemRss | Row::MemHealth => Unit::Bytes,
            Row::HealthCpu => Unit::Cpu,
            _ => Unit::Time,
        }
    }

    /// Whether the peers are measured on this row (the others compare perennial with the floor
    /// only).
    fn has_peers(self) -> bool {
        !matches!(
            self,
            Row::CallClient
                | Row::CallSupervised
                | Row::CallNamed
                | Row::CallDeferred
                | Row::CastProducers
                | Row::StartBare
                | Row::StopBare
                | Row::StartHealth
                | Row::StopHealth
                | Row::MemBare
                | Row::MemHealth
        )
    }

    /// perennial's targets (issue 17; issue 14 for the deferred reply).
    fn targets(self) -> &'static [Target] {
        match self {
            Row::Call | Row::CallClient => &[Target::AtMost(1.10)],
            Row::CallSupervised => &[Target::VsRow(Row::Call, 1.05)],
            Row::CallNamed => &[Target::AtMost(1.15)],
            Row::CallDeferred => &[Target::VsRow(Row::Call, 1.10)],
            Row::CastUnbounded | Row::CastProducers => &[Target::AtLeast(1.0)],
            Row::Start => &[Target::AtMost(1.3)],
            Row::Stop => &[Target::AtMost(1.2)],
            Row::StartHealth => &[Target::VsRow(Row::Start, 1.10)],
            Row::StopHealth => &[Target::VsRow(Row::Stop, 1.10)],
            Row::MemHealth => &[Target::PlusBytes(Row::MemAlloc, 64.0)],
            Row::RestartMedian => &[Target::AtMost(1.2), Target::AheadBy(1.4)],
            Row::TreeHand | Row::TreeStop => &[Target::AtMost(1.1)],
            Row::TreeMacro => &[Target::AtMost(1.1)],
            _ => &[],
        }
    }
}

/// The cargo profile this binary was built with (`measure`: thin LTO, one codegen unit, as the
/// method says), from its build directory.
const PROFILE: &str = env!("PERENNIAL_BENCH_PROFILE");

/// The producers of the many-to-one cast row.
const PRODUCERS: usize = 8;

/// Every sample taken: (row, flavor, contender) -> one value per repetition.
#[derive(Default)]
struct Results {
    samples: HashMap<(Row, Flavor, Contender), Vec<f64>>,
}

impl Results {
    fn push(&mut self, row: Row, flavor: Flavor, who: Contender, value: f64) {
        self.samples
            .entry((row, flavor, who))
            .or_default()
            .push(value);
    }

    fn get(&self, row: Row, flavor: Flavor, who: Contender) -> Option<&[f64]> {
        self.samples
            .get(&(row, flavor, who))
            .map(Vec::as_slice)
            .filter(|v| !v.is_empty())
    }
}

struct Options {
    sizes: Sizes,
    quick: bool,
    measures: Vec<Measure>,
    flavors: Vec<Flavor>,
    who: Vec<Contender>,
    /// The machine's load average when the run started.
    load_at_start: String,
}

const USAGE: &str = "\
perennial-bench: perennial vs the raw tokio floor, ractor and kameo, as ratios to the floor.

USAGE: cargo run -p perennial-bench --release -- [OPTIONS]

OPTIONS:
  --quick             small sizes (under a minute)
  --reps N            repetitions per measure (default: 5 full, 3 quick)
  --only LIST         comma-separated measures: call,cast,start,memory,restart,tree,health
  --flavor LIST       comma-separated runtimes: mt2,ct (default both)
  --who LIST          comma-separated contenders: floor,perennial,ractor,kameo (default all;
                      for profiling one of them)
  --set KEY=N         override one size: calls, casts, capacity, children, memory, crashes,
                      groups, per_group, health_servers, health_interval_ms, health_window_ms,
                      health_reps (repeatable)
  --help              this text
";

fn parse_args() -> Result<Options, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let mut opts = Options {
        sizes: if quick { Sizes::quick() } else { Sizes::full() },
        quick,
        measures: Measure::ALL.to_vec(),
        flavors: Flavor::ALL.to_vec(),
        who: Contender::ALL.to_vec(),
        load_at_start: sys::load_average(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--quick" => {}
            "--help" | "-h" => return Err(String::new()),
            "--reps" => {
                let n: usize = value()?.parse().map_err(|e| format!("--reps: {e}"))?;
                opts.sizes.reps = n.max(1);
                opts.sizes.health_reps = opts.sizes.health_reps.min(n.max(1));
            }
            "--only" => {
                opts.measures = value()?
                    .split(',')
                    .map(|m| Measure::parse(m).ok_or(format!("unknown measure `{m}`")))
                    .collect::<Result<_, _>>()?;
            }
            "--flavor" => {
                opts.flavors = value()?
                    .split(',')
                    .map(|f| Flavor::parse(f).ok_or(format!("unknown flavor `{f}`")))
                    .collect::<Result<_, _>>()?;
            }
            "--who" => {
                opts.who = value()?
                    .split(',')
                    .map(|c| Contender::parse(c).ok_or(format!("unknown contender `{c}`")))
                    .collect::<Result<_, _>>()?;
            }
            "--set" => {
                let kv = value()?;
                let (key, n) = kv
                    .split_once('=')
                    .and_then(|(k, v)| Some((k, v.parse::<usize>().ok()?)))
                    .ok_or(format!("--set wants KEY=N, not `{kv}`"))?;
                opts.sizes.set(key, n.max(1))?;
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(opts)
}

/// Keeps the contenders' deliberate crashes quiet; any other panic is reported as usual.
fn quiet_crashes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&CRASH) {
            default(info);
        }
    }));
}

fn main() {
    quiet_crashes();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--memory-sample") {
        return memory_sample(&args[2..]);
    }
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}\n");
            }
            eprint!("{USAGE}");
            std::process::exit(if e.is_empty() { 0 } else { 2 });
        }
    };
    let started = Instant::now();
    let mut results = Results::default();
    for &measure in &opts.measures {
        for &flavor in &opts.flavors {
            let t = Instant::now();
            eprint!("{} on {}: ", measure.label(), flavor.label());
            run_measure(measure, flavor, &opts.sizes, &opts.who, &mut results);
            eprintln!(" {:.1} s", t.elapsed().as_secs_f64());
        }
    }
    print!("{}", render(&opts, &results, started.elapsed()));
}

/// Runs one measure `reps` times for every contender on `flavor`, interleaving the contenders
/// and rotating who goes first.
fn run_measure(
    measure: Measure,
    flavor: Flavor,
    s: &Sizes,
    who: &[Contender],
    results: &mut Results,
) {
    let reps = match measure {
        Measure::Health => s.health_reps,
        _ => s.reps,
    };
    for rep in 0..reps {
        for k in 0..who.len() {
            let who = who[(k + rep) % who.len()];
            run_once(measure, flavor, who, s, results);
            eprint!(".");
        }
    }
}

fn run_once(measure: Measure, flavor: Flavor, who: Contender, s: &Sizes, results: &mut Results) {
    use Contender::*;
    match measure {
        Measure::Call => {
            let n = s.calls;
            let v = flavor.run(async move {
                match who {
                    Floor => floor::call(n).await,
                    Perennial => ours::call_generated(n).await,
                    Ractor => vs_ractor::call(n).await,
                    Kameo => vs_kameo::call(n).await,
                }
            });
            results.push(Row::Call, flavor, who, v);
            match who {
                // The same floor sample is the reference of every call row.
                Floor => {
                    for row in [
                        Row::CallClient,
                        Row::CallSupervised,
                        Row::CallNamed,
                        Row::CallDeferred,
                    ] {
                        results.push(row, flavor, who, v);
                    }
                }
                Perennial => {
                    let v = flavor.run(async move { ours::call(n).await });
                    results.push(Row::CallClient, flavor, who, v);
                    let v = flavor.run(async move { ours::call_supervised(n).await });
                    results.push(Row::CallSupervised, flavor, who, v);
                    let v = flavor.run(async move { ours::call_named(n).await });
                    results.push(Row::CallNamed, flavor, who, v);
                    let v = flavor.run(async move { ours::call_deferred(n).await });
                    results.push(Row::CallDeferred, flavor, who, v);
                }
                Ractor | Kameo => {}
            }
        }
        Measure::Cast => {
            for (row, capacity) in [
                (Row::CastUnbounded, None),
                (Row::CastBounded, Some(s.capacity)),
            ] {
                let n = s.casts;
                let secs = flavor.run(async move {
                    match who {
                        Floor => floor::cast(n, capacity).await,
                        Perennial => ours::cast(n, capacity).await,
                        Ractor => vs_ractor::cast(n, capacity).await,
                        Kameo => vs_kameo::cast(n, capacity).await,
                    }
                });
                if let Some(secs) = secs {
                    results.push(row, flavor, who, n as f64 / secs);
                }
            }
            let n = s.casts;
            let secs = match who {
                Floor => Some(flavor.run(floor::cast_producers(n, PRODUCERS))),
                Perennial => Some(flavor.run(ours::cast_producers(n, PRODUCERS))),
                Ractor | Kameo => None,
            };
            if let Some(secs) = secs {
                results.push(Row::CastProducers, flavor, who, n as f64 / secs);
            }
        }
        Measure::Start => {
            let n = s.children;
            let (start, stop) = flavor.run(async move {
                match who {
                    Floor => floor::start_stop(n, None).await,
                    Perennial => ours::start_stop(n, false).await,
                    Ractor => vs_ractor::start_stop(n).await,
                    Kameo => vs_kameo::start_stop(n).await,
                }
            });
            results.push(Row::Start, flavor, who, start);
            results.push(Row::Stop, flavor, who, stop);
            // Unsupervised, and supervised with health checks: the floor and perennial only.
            let (bare, health) = match who {
                Floor => (
                    flavor.run(floor::start_stop_bare(n)),
                    flavor.run(floor::start_stop(n, Some(HEALTH_INTERVAL))),
                ),
                Perennial => (
                    flavor.run(ours::start_stop_bare(n)),
                    flavor.run(ours::start_stop(n, true)),
                ),
                Ractor | Kameo => return,
            };
            results.push(Row::StartBare, flavor, who, bare.0);
            results.push(Row::StopBare, flavor, who, bare.1);
            results.push(Row::StartHealth, flavor, who, health.0);
            results.push(Row::StopHealth, flavor, who, health.1);
        }
        Measure::Memory => {
            let kinds: &[MemKind] = match who {
                Floor | Perennial => &[MemKind::Supervised, MemKind::Bare, MemKind::Health],
                Ractor | Kameo => &[MemKind::Supervised],
            };
            for &kind in kinds {
                match memory_in_child(who, flavor, kind, s.memory) {
                    Ok((alloc, rss)) => match kind {
                        MemKind::Supervised => {
                            results.push(Row::MemAlloc, flavor, who, alloc);
                            results.push(Row::MemRss, flavor, who, rss);
                        }
                        MemKind::Bare => results.push(Row::MemBare, flavor, who, alloc),
                        MemKind::Health => results.push(Row::MemHealth, flavor, who, alloc),
                    },
                    Err(e) => eprintln!("\nmemory sample of {} failed: {e}", who.label()),
                }
            }
        }
        Measure::Restart => {
            let n = s.crashes;
            let lat = flavor.run(async move {
                match who {
                    Floor => floor::restart(n).await,
                    Perennial => ours::restart(n).await,
                    Ractor => vs_ractor::restart(n).await,
                    Kameo => vs_kameo::restart(n).await,
                }
            });
            results.push(Row::RestartMedian, flavor, who, stats::median(&lat));
            results.push(Row::RestartP99, flavor, who, stats::percentile(&lat, 99.0));
        }
        Measure::Tree => {
            let (g, p) = (s.groups, s.per_group);
            let (start, stop) = flavor.run(async move {
                match who {
                    Floor => floor::tree(g, p).await,
                    Perennial => ours::tree(g, p).await,
                    Ractor => vs_ractor::tree(g, p).await,
                    Kameo => vs_kameo::tree(g, p).await,
                }
            });
            results.push(Row::TreeHand, flavor, who, start);
            results.push(Row::TreeStop, flavor, who, stop);
            if who == Perennial {
                let macro_first = results
                    .get(Row::TreeMacro, flavor, who)
                    .is_none_or(|v| v.len() % 2 == 0);
                let (by_macro, by_hand) =
                    flavor.run(async move { ours::tree_macro_and_hand(macro_first).await });
                results.push(Row::TreeMacro, flavor, who, by_macro);
                results.push(Row::TreeMacroHand, flavor, who, by_hand);
            }
        }
        Measure::Health => {
            let (n, interval, window) = (s.health_servers, s.health_interval, s.health_window);
            let cpu = flavor.run(async move {
                let keep = match who {
                    Floor => floor::health_checked(n, interval).await,
                    Perennial => ours::health_checked(n, interval).await,
                    Ractor => vs_ractor::health_checked(n, interval).await,
                    Kameo => vs_kameo::health_checked(n, interval).await,
                };
                // Past the first round of pings, into the steady state.
                tokio::time::sleep(interval + interval / 2).await;
                let (c0, t0) = (sys::cpu_time(), Instant::now());
                tokio::time::sleep(window).await;
                let cpu = (sys::cpu_time() - c0).as_secs_f64() / t0.elapsed().as_secs_f64();
                drop(keep);
                cpu
            });
            results.push(Row::HealthCpu, flavor, who, cpu);
        }
    }
}

/// perennial's default health-check interval, which the floor's health tasks use on the
/// start and memory rows with health checks on.
const HEALTH_INTERVAL: Duration = Duration::from_secs(30);

/// What a memory sample keeps idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MemKind {
    /// Children of a supervisor, health checks off.
    Supervised,
    /// Servers started by themselves (the floor: bare tasks + channels).
    Bare,
    /// Children of a supervisor with health checks on.
    Health,
}

impl MemKind {
    const ALL: [MemKind; 3] = [MemKind::Supervised, MemKind::Bare, MemKind::Health];

    fn label(self) -> &'static str {
        match self {
            MemKind::Supervised => "supervised",
            MemKind::Bare => "bare",
            MemKind::Health => "health",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        MemKind::ALL.into_iter().find(|k| k.label() == s)
    }
}

/// Runs one memory sample in a fresh child process: (allocated bytes, RSS bytes) per server.
fn memory_in_child(
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
fn memory_sample(args: &[String]) {
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

fn fmt_value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Time => {
            if v < 1e-6 {
                format!("{:.0} ns", v * 1e9)
            } else if v < 1e-3 {
                format!("{:.2} µs", v * 1e6)
            } else if v < 1.0 {
                format!("{:.2} ms", v * 1e3)
            } else {
                format!("{v:.2} s")
            }
        }
        Unit::Rate => format!("{:.2} M/s", v / 1e6),
        Unit::Bytes => format!("{v:.0} B"),
        Unit::Cpu => format!("{:.1}%", v * 100.0),
    }
}

/// The ratio shown for a contender: its median over the floor's (for throughput too, so that a
/// higher throughput is a higher ratio, as the issue's targets are written).
fn ratio(row: Row, flavor: Flavor, who: Contender, r: &Results) -> Option<f64> {
    let base = stats::median(r.get(row, flavor, Contender::Floor)?);
    let mine = stats::median(r.get(row, flavor, who)?);
    Some(mine / base)
}

fn cell(row: Row, flavor: Flavor, who: Contender, r: &Results) -> String {
    if row == Row::TreeMacro {
        return match (who, r.get(row, flavor, who)) {
            (Contender::Perennial, Some(v)) => {
                let hand = r.get(Row::TreeMacroHand, flavor, who).map(stats::median);
                let m = stats::median(v);
                let (lo, hi) = stats::min_max(v);
                let u = row.unit();
                format!(
                    "{} [{}–{}] {}",
                    fmt_value(u, m),
                    fmt_value(u, lo),
                    fmt_value(u, hi),
                    hand.map_or(String::new(), |h| format!("**{:.2}x** by hand", m / h))
                )
            }
            (Contender::Perennial, None) => "not measured".into(),
            _ => "—".into(),
        };
    }
    let Some(v) = r.get(row, flavor, who) else {
        return "n/a".into();
    };
    let u = row.unit();
    let (lo, hi) = stats::min_max(v);
    let mut s = format!(
        "{} [{}–{}]",
        fmt_value(u, stats::median(v)),
        fmt_value(u, lo),
        fmt_value(u, hi)
    );
    if who != Contender::Floor
        && let Some(x) = ratio(row, flavor, who, r)
    {
        let _ = write!(s, " **{x:.2}x**");
    }
    s
}

/// One target checked: what was measured (as the target states it) and whether it is met.
fn check(row: Row, target: Target, flavor: Flavor, r: &Results) -> Option<(String, bool)> {
    let mine = |row| r.get(row, flavor, Contender::Perennial).map(stats::median);
    let to_floor = if row == Row::TreeMacro {
        // The macro tree's reference is the same tree by hand, not the floor.
        mine(Row::TreeMacro)
            .zip(mine(Row::TreeMacroHand))
            .map(|(m, h)| m / h)
    } else {
        ratio(row, flavor, Contender::Perennial, r)
    };
    Some(match target {
        Target::AtMost(t) => {
            let x = to_floor?;
            (format!("{x:.2}x ≤{t}"), x <= t)
        }
        Target::AtLeast(t) => {
            let x = to_floor?;
            (format!("{x:.2}x ≥{t}"), x >= t)
        }
        Target::VsRow(other, t) => {
            let x = mine(row)? / mine(other)?;
            (format!("{x:.2}x {} ≤{t}", other.short()), x <= t)
        }
        Target::PlusBytes(other, t) => {
            let x = mine(row)? - mine(other)?;
            (format!("{x:+.0} B ≤+{t} B"), x <= t)
        }
        Target::AheadBy(t) => {
            let x = to_floor?;
            let behind = [Contender::Ractor, Contender::Kameo]
                .into_iter()
                .map(|p| ratio(row, flavor, p, r).map(|p| p / x))
                .collect::<Option<Vec<f64>>>()?;
            let least = behind.iter().copied().fold(f64::INFINITY, f64::min);
            (format!("peers {least:.2}x behind ≥{t}"), least >= t)
        }
    })
}

/// perennial's verdict on a row: each of its targets, met or missed, and whether it is ahead of
/// both peers.
fn verdict(row: Row, flavor: Flavor, r: &Results) -> String {
    let mut parts: Vec<String> = row
        .targets()
        .iter()
        .filter_map(|&t| check(row, t, flavor, r))
        .map(|(what, met)| format!("{what} {}", if met { "met" } else { "MISSED" }))
        .collect();
    let higher_better = row.unit() == Unit::Rate;
    if let Some(mine) = ratio(row, flavor, Contender::Perennial, r) {
        let peers: Vec<f64> = [Contender::Ractor, Contender::Kameo]
            .into_iter()
            .filter_map(|p| ratio(row, flavor, p, r))
            .collect();
        if !peers.is_empty() {
            let ahead = peers
                .iter()
                .all(|&p| if higher_better { mine > p } else { mine < p });
            parts.push(
                if ahead {
                    "ahead of peers"
                } else {
                    "BEHIND a peer"
                }
                .into(),
            );
        }
    }
    parts.join("; ")
}

impl Row {
    /// How a target names this row when another row is compared with it.
    fn short(self) -> &'static str {
        match self {
            Row::Call => "row 1's direct unsupervised call",
            Row::Start | Row::Stop | Row::MemAlloc => "health off",
            _ => "its reference",
        }
    }
}

/// The issue's targets, one line each: the rows that measure it, on each flavor.
const TARGETS: &[(&str, &[Row])] = &[
    ("call via generated client ≤1.10x the floor", &[Row::Call]),
    (
        "call to a supervised child (tree client): same as unsupervised ±5%",
        &[Row::CallSupervised],
    ),
    ("call through a name-bound client ≤1.15x", &[Row::CallNamed]),
    (
        "a reply given later (ReplyTo) ≤1.1x a direct one (issue 14)",
        &[Row::CallDeferred],
    ),
    (
        "cast unbounded; 8 producers -> 1 server: ≥1.0x",
        &[Row::CastUnbounded, Row::CastProducers],
    ),
    ("dynamic child start ≤1.3x", &[Row::Start]),
    (
        "dynamic supervisor teardown per child ≤1.2x, ahead of ractor and kameo",
        &[Row::Stop],
    ),
    (
        "health checks on: memory per idle child ≤+64 B; start, stop ≤+10%",
        &[Row::MemHealth, Row::StartHealth, Row::StopHealth],
    ),
    (
        "restart median ≤1.2x, and ≥1.4x ahead of both peers",
        &[Row::RestartMedian],
    ),
    (
        "10k-child supervisor start / shutdown ≤1.1x",
        &[Row::TreeHand, Row::TreeStop],
    ),
    (
        "supervision_tree! at run time ≤1.1x by hand",
        &[Row::TreeMacro],
    ),
];

/// The targets table: each target of the issue, met or missed, per flavor.
fn render_targets(opts: &Options, r: &Results) -> String {
    let mut out = String::new();
    let _ = write!(out, "\n| target (issue 17) |");
    for f in &opts.flavors {
        let _ = write!(out, " {} |", f.label());
    }
    let _ = write!(out, "\n|---|");
    for _ in &opts.flavors {
        let _ = write!(out, "---|");
    }
    out.push('\n');
    for (what, rows) in TARGETS {
        if !rows
            .iter()
            .all(|row| opts.measures.contains(&row.measure()))
        {
            continue;
        }
        let _ = write!(out, "| {what} |");
        for &flavor in &opts.flavors {
            let checks: Vec<(String, bool)> = rows
                .iter()
                .flat_map(|&row| row.targets().iter().map(move |&t| (row, t)))
                .filter_map(|(row, t)| check(row, t, flavor, r))
                .collect();
            let ahead_of_peers = rows
                .iter()
                .all(|&row| row != Row::Stop || !verdict(row, flavor, r).contains("BEHIND"));
            let all_met = !checks.is_empty() && checks.iter().all(|c| c.1) && ahead_of_peers;
            let detail: Vec<String> = checks.into_iter().map(|c| c.0).collect();
            let _ = write!(
                out,
                " {} ({}) |",
                if detail.is_empty() {
                    "not measured"
                } else if all_met {
                    "**met**"
                } else {
                    "**MISSED**"
                },
                detail.join("; ")
            );
        }
        out.push('\n');
    }
    out
}

fn render(opts: &Options, r: &Results, took: Duration) -> String {
    let s = &opts.sizes;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "perennial-bench ({} run, {} repetitions, health {}; took {:.0} s)",
        if opts.quick { "quick" } else { "full" },
        s.reps,
        s.health_reps,
        took.as_secs_f64()
    );
    let _ = writeln!(out, "machine: {}", sys::machine());
    let _ = writeln!(
        out,
        "load average (1, 5, 15 min) at the start: {}; at the end: {}",
        opts.load_at_start,
        sys::load_average()
    );
    let _ = writeln!(
        out,
        "profile: {}",
        if cfg!(debug_assertions) {
            "DEBUG (numbers meaningless)"
        } else {
            PROFILE
        }
    );
    let _ = writeln!(
        out,
        "cells: median [min–max] of the repetitions, **ratio** of the median to the floor's \
         (throughput: higher is better; everything else: lower is better)\n"
    );
    let _ = writeln!(
        out,
        "| measure | runtime | floor | perennial | ractor | kameo | perennial vs target |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for row in Row::ALL {
        if !opts.measures.contains(&row.measure()) {
            continue;
        }
        for &flavor in &opts.flavors {
            let _ = write!(out, "| {} | {} |", row.label(s), flavor.label());
            for who in Contender::ALL {
                let shown =
                    if row.has_peers() || matches!(who, Contender::Floor | Contender::Perennial) {
                        cell(row, flavor, who, r)
                    } else {
                        "—".into()
                    };
                let _ = write!(out, " {shown} |");
            }
            let _ = writeln!(out, " {} |", verdict(row, flavor, r));
        }
    }
    out.push_str(&render_targets(opts, r));
    out
}
