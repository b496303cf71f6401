//! Load during faults: many concurrent callers hammer name-bound clients while the servers
//! behind them crash and restart.
//!
//! Every call must return a value or a documented error (`NotRunning`, `Exited`, `Timeout`)
//! within its timeout; none may hang or panic; a reply must answer its own request; and no call
//! may be answered by a dead incarnation: each incarnation of a server takes the next
//! generation number when it starts, and a reply from a generation older than the one current
//! when the call was sent would be an answer from a server already replaced (so dead) by then.
//!
//! The same load runs on a multi-thread runtime with the real clock (real races) and on a
//! current-thread runtime with the paused clock (deterministic; also checks that a registry
//! lookup never returns a dead server and that calls time out exactly). The soak run (five
//! million messages, about a hundred thousand crashes, memory sampled) is `--ignored`:
//!
//! ```sh
//! cargo test -p perennial-runtime --release --test load -- --ignored --nocapture soak
//! ```

#[path = "support/panics.rs"]
mod panics;

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use perennial_runtime::supervisor::{ChildSpec, Strategy, SupervisorHandle, SupervisorSpec};
use perennial_runtime::{CallError, Client, Context, ExitReason, GenServer, Registry};

/// The servers' generations: `gens[i]` is the generation of server `i`'s latest incarnation.
type Gens = Arc<Vec<AtomicU64>>;

#[derive(Clone)]
struct EchoArgs {
    idx: usize,
    gens: Gens,
    /// How many of the next inits fail.
    failing_inits: Arc<AtomicU32>,
}

struct Echo {
    gen_: u64,
}

#[derive(Debug)]
struct Refused;
impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fault: refused to init")
    }
}
impl std::error::Error for Refused {}

enum Call {
    /// Answers `(n, generation)`.
    Echo(u64),
    /// Sleeps (on tokio's clock), then answers like `Echo`.
    Slow(u64, Duration),
    /// Panics.
    Boom,
}

enum Cast {
    Crash,
    Fail,
    /// Ignored: a cast that just takes mailbox room.
    #[allow(dead_code)]
    Note(u64),
}

impl GenServer for Echo {
    type Args = EchoArgs;
    type Call = Call;
    type Reply = (u64, u64);
    type Cast = Cast;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;
    type Error = Refused;

    async fn init(args: EchoArgs, _ctx: &mut Context<Self>) -> Result<Self, Refused> {
        let failing = args
            .failing_inits
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            return Err(Refused);
        }
        let gen_ = args.gens[args.idx].fetch_add(1, Ordering::SeqCst) + 1;
        Ok(Echo { gen_ })
    }

    async fn handle_call(&mut self, call: Call, _ctx: &mut Context<Self>) -> (u64, u64) {
        match call {
            Call::Echo(n) => (n, self.gen_),
            Call::Slow(n, d) => {
                tokio::time::sleep(d).await;
                (n, self.gen_)
            }
            Call::Boom => panic!("fault: boom"),
        }
    }

    async fn handle_cast(&mut self, cast: Cast, ctx: &mut Context<Self>) {
        match cast {
            Cast::Crash => panic!("fault: crash"),
            Cast::Fail => ctx.stop(ExitReason::error("fault: failed")),
            Cast::Note(_) => {}
        }
    }
}

fn name(i: usize) -> String {
    format!("echo{i}")
}

/// A pause between two strikes: some yields (the real clock), or a sleep (the paused clock,
/// which only moves when every task waits).
#[derive(Clone, Copy)]
enum Pace {
    Yields(u32),
    Sleep(Duration),
}

impl Pace {
    async fn pause(self) {
        match self {
            Pace::Yields(n) => {
                for _ in 0..n {
                    tokio::task::yield_now().await;
                }
            }
            Pace::Sleep(d) => tokio::time::sleep(d).await,
        }
    }
}

struct Load {
    servers: usize,
    callers: usize,
    calls_per_caller: u64,
    /// How often the chaos task strikes.
    chaos: Pace,
    timeout: Duration,
    /// How late past its timeout a call may end (none on the paused clock).
    slack: Duration,
    /// One call in this many is slow (`Slow`) by `slow`.
    slow_one_in: u64,
    slow: Duration,
}

#[derive(Debug, Default)]
struct Tally {
    ok: AtomicU64,
    not_running: AtomicU64,
    exited: AtomicU64,
    timeout: AtomicU64,
    booms: AtomicU64,
    casts: AtomicU64,
    crashes: AtomicU64,
    violations: Mutex<Vec<String>>,
}

impl Tally {
    fn violation(&self, v: String) {
        let mut all = self.violations.lock().unwrap();
        if all.len() < 20 {
            all.push(v);
        }
    }

    fn messages(&self) -> u64 {
        [
            &self.ok,
            &self.not_running,
            &self.exited,
            &self.timeout,
            &self.booms,
            &self.casts,
        ]
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .sum()
    }
}

/// A tree of `servers` echo servers: half under the root (one_for_one), half under a nested
/// one_for_all supervisor; restart intensity high enough never to give up.
async fn start_tree(n: usize, gens: &Gens, failing: &[Arc<AtomicU32>]) -> SupervisorHandle {
    let child = |i: usize| {
        ChildSpec::server::<Echo>(
            name(i),
            EchoArgs {
                idx: i,
                gens: gens.clone(),
                failing_inits: failing[i].clone(),
            },
        )
        .health(None)
    };
    let mut inner = SupervisorSpec::new("inner")
        .strategy(Strategy::OneForAll)
        .intensity(u32::MAX, Duration::from_secs(1));
    let mut root = SupervisorSpec::new("root").intensity(u32::MAX, Duration::from_secs(1));
    for i in 0..n {
        if i % 2 == 0 {
            root = root.child(child(i));
        } else {
            inner = inner.child(child(i));
        }
    }
    root.child(ChildSpec::supervisor(inner))
        .start()
        .await
        .expect("the tree starts")
}

/// One caller: `calls` calls through a name-bound client, each checked.
async fn caller(id: usize, load: Arc<Load>, registry: Registry, gens: Gens, tally: Arc<Tally>) {
    let clients: Vec<Client<Echo>> = (0..load.servers)
        .map(|i| Client::from(registry.named::<Echo>(name(i))).with_timeout(load.timeout))
        .collect();
    let watchdog = load.timeout * 3 + Duration::from_secs(1);
    for k in 0..load.calls_per_caller {
        let i = (id + k as usize * 7) % load.servers;
        let n = ((id as u64) << 32) | k;
        let g0 = gens[i].load(Ordering::SeqCst);
        let slow = load.slow_one_in > 0 && k % load.slow_one_in == 1;
        let boom = k % 97 == 13;
        let call = if boom {
            Call::Boom
        } else if slow {
            Call::Slow(n, load.slow)
        } else {
            Call::Echo(n)
        };
        if k % 5 == 0 {
            let _ = clients[i].cast(Cast::Note(n));
            tally.casts.fetch_add(1, Ordering::Relaxed);
        }
        let asked = tokio::time::Instant::now();
        let Ok(result) = tokio::time::timeout(watchdog, clients[i].call(call)).await else {
            tally.violation(format!("a call to {} hung past {watchdog:?}", name(i)));
            continue;
        };
        let took = asked.elapsed();
        if took > load.timeout + load.slack {
            tally.violation(format!("a call took {took:?}, past its {:?}", load.timeout));
        }
        match result {
            Ok((m, g)) => {
                tally.ok.fetch_add(1, Ordering::Relaxed);
                if boom {
                    tally.violation("a call that panics the server was answered".into());
                } else if m != n {
                    tally.violation(format!("asked {n}, answered {m}"));
                }
                if g < g0 {
                    tally.violation(format!(
                        "{} answered by generation {g}, replaced (dead) before the call was sent \
                         (generation {g0} was current)",
                        name(i)
                    ));
                }
            }
            Err(CallError::Exited(reason)) => {
                // Its own panic, or (queued behind it) another end of the server.
                if boom && reason == ExitReason::Panic("fault: boom".into()) {
                    tally.booms.fetch_add(1, Ordering::Relaxed);
                } else {
                    tally.exited.fetch_add(1, Ordering::Relaxed);
                    // Crashed, killed, failed, or stopped as a bystander (one_for_all).
                    if !matches!(
                        reason,
                        ExitReason::Panic(_)
                            | ExitReason::Killed
                            | ExitReason::Error(_)
                            | ExitReason::Shutdown
                    ) {
                        tally.violation(format!("a call ended with an unexpected exit: {reason}"));
                    }
                }
            }
            Err(CallError::NotRunning { name: Some(n) }) if *n == name(i) => {
                tally.not_running.fetch_add(1, Ordering::Relaxed);
            }
            Err(CallError::Timeout(d)) if d == load.timeout => {
                tally.timeout.fetch_add(1, Ordering::Relaxed);
            }
            Err(other) => tally.violation(format!("an undocumented error: {other:?}")),
        }
    }
}

/// Crashes servers, one way or another, until told to stop.
async fn chaos(
    load: Arc<Load>,
    registry: Registry,
    failing: Vec<Arc<AtomicU32>>,
    tally: Arc<Tally>,
    stop: Arc<AtomicBool>,
) {
    let mut k = 0usize;
    while !stop.load(Ordering::Relaxed) {
        load.chaos.pause().await;
        k += 1;
        let i = (k * 5) % load.servers;
        let Ok(server) = registry.lookup::<Echo>(&name(i)) else {
            continue;
        };
        match k % 4 {
            0 => {
                let _ = server.cast(Cast::Crash);
            }
            1 => server.kill(),
            2 => {
                let _ = server.cast(Cast::Fail);
            }
            _ => {
                // The next restart fails once, and is retried.
                failing[i].store(1, Ordering::SeqCst);
                let _ = server.cast(Cast::Crash);
            }
        }
        tally.crashes.fetch_add(1, Ordering::Relaxed);
    }
}

/// Checks, in a loop, that a registry lookup never returns a dead server (exact only on a
/// current-thread runtime, where nothing runs between the lookup and the check).
async fn lookups(load: Arc<Load>, registry: Registry, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        for i in 0..load.servers {
            if let Ok(server) = registry.lookup::<Echo>(&name(i))
                && !server.is_alive()
            {
                tally.violation(format!("a lookup of {} returned a dead server", name(i)));
            }
        }
        load.chaos.pause().await;
    }
}

/// A running tree under load: the chaos (and lookup) tasks run until `finish`; each `round`
/// runs every caller once to the end.
struct Rig {
    load: Arc<Load>,
    gens: Gens,
    root: SupervisorHandle,
    registry: Registry,
    tally: Arc<Tally>,
    stop: Arc<AtomicBool>,
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Rig {
    async fn start(load: Load, exact_lookups: bool) -> Rig {
        panics::quiet_deliberate_panics();
        let load = Arc::new(load);
        let gens: Gens = Arc::new((0..load.servers).map(|_| AtomicU64::new(0)).collect());
        let failing: Vec<_> = (0..load.servers)
            .map(|_| Arc::new(AtomicU32::new(0)))
            .collect();
        let root = start_tree(load.servers, &gens, &failing).await;
        let registry = root.registry().clone();
        let tally = Arc::new(Tally::default());
        let stop = Arc::new(AtomicBool::new(false));
        let mut background = vec![tokio::spawn(chaos(
            load.clone(),
            registry.clone(),
            failing,
            tally.clone(),
            stop.clone(),
        ))];
        if exact_lookups {
            background.push(tokio::spawn(lookups(
                load.clone(),
                registry.clone(),
                tally.clone(),
                stop.clone(),
            )));
        }
        Rig {
            load,
            gens,
            root,
            registry,
            tally,
            stop,
            background,
        }
    }

    async fn round(&self) {
        let callers: Vec<_> = (0..self.load.callers)
            .map(|id| {
                tokio::spawn(caller(
                    id,
                    self.load.clone(),
                    self.registry.clone(),
                    self.gens.clone(),
                    self.tally.clone(),
                ))
            })
            .collect();
        for c in callers {
            if let Err(e) = c.await {
                self.tally.violation(format!("a caller panicked: {e}"));
            }
        }
    }

    async fn finish(self) -> Arc<Tally> {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.background {
            task.await.expect("the chaos and lookup tasks do not panic");
        }
        assert_eq!(
            self.root.shutdown().await,
            ExitReason::Shutdown,
            "the tree never gave up"
        );
        self.tally
    }
}

async fn hammer(load: Load, exact_lookups: bool) -> Arc<Tally> {
    let rig = Rig::start(load, exact_lookups).await;
    rig.round().await;
    rig.finish().await
}

fn assert_clean(tally: &Tally, load_calls: u64) {
    println!("{load_calls} calls: {tally:?}");
    let violations = tally.violations.lock().unwrap();
    assert!(
        violations.is_empty(),
        "violations: {violations:#?}\n{tally:?}"
    );
    let answered = tally.ok.load(Ordering::Relaxed);
    let total = answered
        + tally.not_running.load(Ordering::Relaxed)
        + tally.exited.load(Ordering::Relaxed)
        + tally.timeout.load(Ordering::Relaxed)
        + tally.booms.load(Ordering::Relaxed);
    assert_eq!(total, load_calls, "every call returned: {tally:?}");
    assert!(
        answered > load_calls / 3,
        "a good part of the calls are answered: {tally:?}"
    );
    assert!(tally.crashes.load(Ordering::Relaxed) > 0, "{tally:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_during_crashes_return_a_value_or_a_documented_error() {
    let load = Load {
        servers: 8,
        callers: 32,
        calls_per_caller: 1_000,
        chaos: Pace::Yields(4),
        timeout: Duration::from_secs(2),
        slack: Duration::from_millis(500),
        slow_one_in: 0,
        slow: Duration::ZERO,
    };
    let calls = (load.callers as u64) * load.calls_per_caller;
    let tally = hammer(load, false).await;
    assert_clean(&tally, calls);
}

#[tokio::test(start_paused = true)]
async fn calls_during_crashes_on_the_paused_clock_time_out_exactly_and_never_see_the_dead() {
    let load = Load {
        servers: 6,
        callers: 24,
        calls_per_caller: 500,
        chaos: Pace::Sleep(Duration::from_millis(20)),
        timeout: Duration::from_millis(300),
        slack: Duration::ZERO,
        slow_one_in: 9,
        slow: Duration::from_millis(200),
    };
    let calls = (load.callers as u64) * load.calls_per_caller;
    let tally = hammer(load, true).await;
    assert_clean(&tally, calls);
    assert!(
        tally.timeout.load(Ordering::Relaxed) > 0,
        "timeouts were exercised: {tally:?}"
    );
    tokio::time::sleep(Duration::from_millis(1)).await;
    let alive = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert_eq!(alive, 0, "nothing of the tree outlives it");
}

/// This process's resident memory, in KiB (Linux).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Five million messages (calls and casts) and at least ten thousand crashes (about 2% of the
/// messages: panics, kills, errors, failed restarts), in rounds on one tree, sampling resident
/// memory and live tasks after each round. After the warm-up (the first 40% of the rounds: the
/// allocator's arenas fill up over the first few million messages) memory must stay within
/// 2 MiB, and live tasks flat. Bounded by ten minutes and 10 000 rounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a soak run (a million messages, ten thousand crashes): run it in release"]
async fn soak() {
    const MESSAGES: u64 = 5_000_000;
    const CRASHES: u64 = 10_000;
    let load = Load {
        servers: 16,
        callers: 32,
        calls_per_caller: 500,
        chaos: Pace::Yields(4),
        timeout: Duration::from_secs(5),
        slack: Duration::from_secs(1),
        slow_one_in: 0,
        slow: Duration::ZERO,
    };
    let calls_per_round = (load.callers as u64) * load.calls_per_caller;
    let rig = Rig::start(load, false).await;
    let began = std::time::Instant::now();
    let metrics = tokio::runtime::Handle::current().metrics();
    let mut samples = vec![(0u64, 0u64, rss_kib(), metrics.num_alive_tasks())];
    let mut rounds = 0u64;
    while (rig.tally.messages() < MESSAGES || rig.tally.crashes.load(Ordering::Relaxed) < CRASHES)
        && began.elapsed() < Duration::from_secs(600)
        && rounds < 10_000
    {
        rig.round().await;
        rounds += 1;
        samples.push((
            rig.tally.messages(),
            rig.tally.crashes.load(Ordering::Relaxed),
            rss_kib(),
            metrics.num_alive_tasks(),
        ));
    }
    let elapsed = began.elapsed();
    let tally = rig.finish().await;
    let every = (samples.len() / 20).max(1);
    println!("round  messages   crashes  rss_kib  alive_tasks");
    for (i, (m, c, rss, alive)) in samples.iter().enumerate() {
        if i % every == 0 || i + 1 == samples.len() {
            println!("{i:>5} {m:>9} {c:>9} {rss:>8} {alive:>12}");
        }
    }
    let warm_up = samples.len() * 2 / 5;
    let warm = samples[warm_up];
    let last = samples[samples.len() - 1];
    let peak_after_warm = samples[warm_up..].iter().map(|s| s.2).max().unwrap_or(0);
    println!(
        "{} messages, {} crashes, {rounds} rounds in {elapsed:.1?}; rss after warm-up {} KiB, at \
         the end {} KiB, peak after warm-up {peak_after_warm} KiB; {tally:?}",
        last.0, last.1, warm.2, last.2
    );
    assert_clean(&tally, rounds * calls_per_round);
    assert!(
        last.0 >= MESSAGES && last.1 >= CRASHES,
        "the soak reached its counts"
    );
    assert!(
        peak_after_warm <= warm.2 + 2 * 1024,
        "memory grew by more than 2 MiB after the warm-up"
    );
    assert!(last.3 <= warm.3 + 8, "live tasks grew after the warm-up");
}
