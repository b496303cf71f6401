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
    CastUnbounded,
    CastBounded,
    Start,
    Stop,
    MemAlloc,
    MemRss,
    RestartMedian,
    RestartP99,
    TreeHand,
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

#[derive(Clone, Copy)]
enum Target {
    AtMost(f64),
    AtLeast(f64),
    None,
}

impl Row {
    const ALL: [Row; 14] = [
        Row::Call,
        Row::CallClient,
        Row::CallSupervised,
        Row::CastUnbounded,
        Row::CastBounded,
        Row::Start,
        Row::Stop,
        Row::MemAlloc,
        Row::MemRss,
        Row::RestartMedian,
        Row::RestartP99,
        Row::TreeHand,
        Row::TreeMacro,
        Row::HealthCpu,
    ];

    fn measure(self) -> Measure {
        match self {
            Row::Call | Row::CallClient | Row::CallSupervised => Measure::Call,
            Row::CastUnbounded | Row::CastBounded => Measure::Cast,
            Row::Start | Row::Stop => Measure::Start,
            Row::MemAlloc | Row::MemRss => Measure::Memory,
            Row::RestartMedian | Row::RestartP99 => Measure::Restart,
            Row::TreeHand | Row::TreeMacro | Row::TreeMacroHand => Measure::Tree,
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
            Row::CastUnbounded => format!("2 cast throughput, unbounded ({} casts)", s.casts),
            Row::CastBounded => format!(
                "2 cast throughput, bounded {} ({} casts)",
                s.capacity, s.casts
            ),
            Row::Start => format!("3 start per child ({} children)", s.children),
            Row::Stop => format!("3 stop per child ({} children)", s.children),
            Row::MemAlloc => format!("4 memory per idle server, allocated ({})", s.memory),
            Row::MemRss => format!("4 memory per idle server, RSS ({})", s.memory),
            Row::RestartMedian => format!("5 restart latency, median ({} crashes)", s.crashes),
            Row::RestartP99 => format!("5 restart latency, p99 ({} crashes)", s.crashes),
            Row::TreeHand => format!(
                "6 tree of {}x{} started, hand-written API",
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
            Row::CastUnbounded | Row::CastBounded => Unit::Rate,
            Row::MemAlloc | Row::MemRss => Unit::Bytes,
            Row::HealthCpu => Unit::Cpu,
            _ => Unit::Time,
        }
    }

    /// perennial's target, as a ratio to the floor (issue 7).
    fn target(self) -> Target {
        match self {
            Row::Call | Row::CallClient | Row::CallSupervised => Target::AtMost(1.25),
            Row::CastUnbounded | Row::CastBounded => Target::AtLeast(0.7),
            Row::Start => Target::AtMost(1.5),
            Row::Stop => Target::AtMost(1.3),
            Row::MemAlloc | Row::MemRss => Target::AtMost(1.2),
            Row::RestartMedian | Row::RestartP99 => Target::AtMost(1.3),
            Row::TreeHand | Row::TreeMacro | Row::TreeMacroHand | Row::HealthCpu => Target::None,
        }
    }
}

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
                    results.push(Row::CallClient, flavor, who, v);
                    results.push(Row::CallSupervised, flavor, who, v);
                }
                Perennial => {
                    let v = flavor.run(async move { ours::call(n).await });
                    results.push(Row::CallClient, flavor, who, v);
                    let v = flavor.run(async move { ours::call_supervised(n).await });
                    results.push(Row::CallSupervised, flavor, who, v);
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
        }
        Measure::Start => {
            let n = s.children;
            let (start, stop) = flavor.run(async move {
                match who {
                    Floor => floor::start_stop(n).await,
                    Perennial => ours::start_stop(n).await,
                    Ractor => vs_ractor::start_stop(n).await,
                    Kameo => vs_kameo::start_stop(n).await,
                }
            });
            results.push(Row::Start, flavor, who, start);
            results.push(Row::Stop, flavor, who, stop);
        }
        Measure::Memory => match memory_in_child(who, flavor, s.memory) {
            Ok((alloc, rss)) => {
                results.push(Row::MemAlloc, flavor, who, alloc);
                results.push(Row::MemRss, flavor, who, rss);
            }
            Err(e) => eprintln!("\nmemory sample of {} failed: {e}", who.label()),
        },
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
            let v = flavor.run(async move {
                match who {
                    Floor => floor::tree(g, p).await,
                    Perennial => ours::tree(g, p).await,
                    Ractor => vs_ractor::tree(g, p).await,
                    Kameo => vs_kameo::tree(g, p).await,
                }
            });
            results.push(Row::TreeHand, flavor, who, v);
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

/// Runs one memory sample in a fresh child process: (allocated bytes, RSS bytes) per server.
fn memory_in_child(who: Contender, flavor: Flavor, n: usize) -> Result<(f64, f64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args([
            "--memory-sample",
            who.label(),
            flavor.label(),
            &n.to_string(),
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
/// idle servers under a supervisor, and prints the bytes per server (allocated, RSS).
fn memory_sample(args: &[String]) {
    alloc::start_counting();
    let (Some(who), Some(flavor), Some(n)) = (
        args.first().and_then(|a| Contender::parse(a)),
        args.get(1).and_then(|a| Flavor::parse(a)),
        args.get(2).and_then(|a| a.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: --memory-sample CONTENDER FLAVOR N");
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
                let keep = match who {
                    Contender::Floor => floor::idle(n).await,
                    Contender::Perennial => ours::idle(n).await,
                    Contender::Ractor => vs_ractor::idle(n).await,
                    Contender::Kameo => vs_kameo::idle(n).await,
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

/// perennial's verdict on a row: the ratio target, and whether it is ahead of both peers.
fn verdict(row: Row, flavor: Flavor, r: &Results) -> String {
    if row == Row::TreeMacro {
        let ratio = r
            .get(row, flavor, Contender::Perennial)
            .zip(r.get(Row::TreeMacroHand, flavor, Contender::Perennial))
            .map(|(m, h)| stats::median(m) / stats::median(h));
        return match ratio {
            // This machine's run-to-run noise on this row is about ±5-10%.
            Some(x) if x <= 1.10 => "no run-time cost beyond noise (≤1.10x)".into(),
            Some(_) => "MORE than by hand".into(),
            None => String::new(),
        };
    }
    let Some(mine) = ratio(row, flavor, Contender::Perennial, r) else {
        return String::new();
    };
    let higher_better = row.unit() == Unit::Rate;
    let mut out = match row.target() {
        Target::AtMost(t) => format!("≤{t} {}", if mine <= t { "met" } else { "MISSED" }),
        Target::AtLeast(t) => format!("≥{t} {}", if mine >= t { "met" } else { "MISSED" }),
        Target::None => String::new(),
    };
    let peers: Vec<f64> = [Contender::Ractor, Contender::Kameo]
        .into_iter()
        .filter_map(|p| ratio(row, flavor, p, r))
        .collect();
    if !peers.is_empty() {
        let ahead = peers
            .iter()
            .all(|&p| if higher_better { mine > p } else { mine < p });
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(if ahead {
            "ahead of peers"
        } else {
            "BEHIND a peer"
        });
    }
    if row == Row::MemAlloc
        && let Some(v) = r.get(row, flavor, Contender::Perennial)
    {
        let under = stats::median(v) < 1024.0;
        let _ = write!(
            out,
            "; stretch <1 KiB {}",
            if under { "met" } else { "missed" }
        );
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
    let _ = writeln!(out, "load average at the end: {}", sys::load_average());
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
        if !opts.measures.contains(&row.measure()) || row == Row::TreeMacroHand {
            continue;
        }
        for &flavor in &opts.flavors {
            let _ = write!(out, "| {} | {} |", row.label(s), flavor.label());
            for who in Contender::ALL {
                let _ = write!(out, " {} |", cell(row, flavor, who, r));
            }
            let _ = writeln!(out, " {} |", verdict(row, flavor, r));
        }
    }
    out
}
