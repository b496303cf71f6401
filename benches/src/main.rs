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

mod memory;
mod plan;
mod report;
mod rows;

use memory::{HEALTH_INTERVAL, MemKind, memory_in_child, memory_sample};
use plan::{Contender, Flavor, Measure, Options, Sizes};
use report::render;
use rows::{Results, Row};

use std::time::Instant;

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

/// The cargo profile this binary was built with (`measure`: thin LTO, one codegen unit, as the
/// method says), from its build directory.
const PROFILE: &str = env!("PERENNIAL_BENCH_PROFILE");

/// The producers of the many-to-one cast row.
const PRODUCERS: usize = 8;

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
    use crate::plan::Contender::*;
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
