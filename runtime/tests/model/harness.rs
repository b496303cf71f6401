//! Runs a planned case against the real runtime, on a current-thread tokio runtime with a
//! paused clock, and compares everything observable with the model's plan.
//!
//! Per step: the action at the planned time; then simulated time runs to the step's end; then
//! - the events each supervisor published, with their times, equal the model's (compared per
//!   supervisor: the interleaving of different supervisors' streams is not specified);
//! - the lines each worker logged (init, init failed, terminate), with their times, equal the
//!   model's: every `terminate` that should run ran, once, and no other;
//! - every running supervisor lists the children, states and restart counts the model has;
//! - the registry holds exactly the running names, a lookup never returns a dead server, and a
//!   worker's registered incarnation is the one its supervisor last reported starting;
//! - each `Started`/`Restarted` is a new incarnation.
//!
//! At the end the tree is shut down (compared the same way) and then no task of it may be left
//! alive (tokio's runtime metrics), and the registry must be empty.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use perennial_runtime::supervisor::{
    ChildSpec, ChildState, DynamicSpec, DynamicSupervisor, Event, HealthCheck, Shutdown,
    SupervisorHandle, SupervisorSpec,
};
use perennial_runtime::{CallError, ExitReason, ProcessId, Registry};

use crate::fw::{Entry, Fw, FwArgs, FwCall, FwCast, Log};
use crate::sim::{self, Act, ApiOp, CastKind, Obs, Plan};
use crate::spec::{Flat, Kind, S, Step, Stop};

/// Longer than anything a case can take in simulated time: a wait past it is a hang.
const HANG: Duration = Duration::from_secs(100 * 3600);

/// Plans the case with the model, runs it, and returns the first disagreement.
pub fn run_case(tree: &S, steps: &[Step]) -> Result<(), String> {
    crate::fw::quiet_deliberate_panics();
    let plan = sim::plan(tree, steps);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    rt.block_on(execute(&plan))
        .map_err(|e| format!("{e}\n\n{}", describe(&plan)))
}

/// Plans a case and says how far the model could follow it (for tuning the generators).
pub fn planned_steps(tree: &S, steps: &[Step]) -> (usize, bool) {
    let plan = sim::plan(tree, steps);
    (plan.steps.len(), plan.truncated.is_some())
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn shutdown_mode(stop: Stop) -> Shutdown {
    match stop {
        Stop::Brutal => Shutdown::BrutalKill,
        Stop::Timeout(ms) => Shutdown::Timeout(millis(ms)),
        Stop::Infinity => Shutdown::Infinity,
    }
}

fn health_check(h: crate::spec::Health) -> HealthCheck {
    HealthCheck {
        interval: millis(h.interval),
        timeout: millis(h.timeout),
        failures: h.failures,
    }
}

/// The spec of a dynamic supervisor (a node with a template).
fn dyn_spec(flat: &Flat, node: usize) -> DynamicSpec<Fw> {
    let n = &flat.nodes[node];
    let (s, d) = (n.sup(), n.dynamic().expect("a dynamic supervisor"));
    let t = &d.template;
    let spec = DynamicSpec::<Fw>::new(n.name.clone())
        .intensity(s.max_restarts, millis(s.within))
        .restart(t.restart)
        .shutdown(shutdown_mode(t.stop))
        .health(t.health.map(health_check));
    let spec = match d.max_children {
        Some(max) => spec.max_children(max),
        None => spec,
    };
    match t.backoff {
        Some(b) => spec.backoff(b.runtime()),
        None => spec,
    }
}

/// A typed handle to a dynamic supervisor, bound to its name.
fn dyn_handle(flat: &Flat, node: usize, root: &SupervisorHandle) -> DynamicSupervisor<Fw> {
    dyn_spec(flat, node).attach(handle_of(root, &flat.nodes[node].name))
}

fn sup_spec(flat: &Flat, node: usize, args: &HashMap<usize, FwArgs>) -> SupervisorSpec {
    let n = &flat.nodes[node];
    if n.dynamic().is_some() {
        return dyn_spec(flat, node).supervisor_spec();
    }
    let s = n.sup();
    let mut spec = SupervisorSpec::new(n.name.clone())
        .strategy(s.strategy)
        .intensity(s.max_restarts, millis(s.within))
        .auto_shutdown(s.auto_shutdown);
    for &c in &n.children {
        spec = spec.child(child_spec(flat, c, args));
    }
    spec
}

fn child_spec(flat: &Flat, node: usize, args: &HashMap<usize, FwArgs>) -> ChildSpec {
    let n = &flat.nodes[node];
    let spec = match &n.kind {
        Kind::W(w) => ChildSpec::server::<Fw>(n.name.clone(), args[&node].clone())
            .health(w.health.map(health_check)),
        Kind::S(_) => ChildSpec::supervisor(sup_spec(flat, node, args)),
    };
    let spec = spec
        .restart(n.restart())
        .shutdown(shutdown_mode(n.stop()))
        .significant(n.significant());
    match n.backoff() {
        Some(b) => spec.backoff(b.runtime()),
        None => spec,
    }
}

/// An event as the model writes it.
fn text(e: &Event) -> String {
    match e {
        Event::Started { child, .. } => format!("Started {child}"),
        Event::Exited { child, reason, .. } => format!("Exited {child}: {reason}"),
        Event::Restarted {
            child, restarts, ..
        } => format!("Restarted {child} {restarts}"),
        Event::RestartFailed { child, reason, .. } => format!("RestartFailed {child}: {reason}"),
        Event::HealthFailed {
            child, consecutive, ..
        } => format!("HealthFailed {child} {consecutive}"),
        Event::HealthRecovered { child, .. } => format!("HealthRecovered {child}"),
        Event::IntensityExceeded { child, .. } => format!("IntensityExceeded {child}"),
        Event::AutoShutdown { child, .. } => format!("AutoShutdown {child}"),
        Event::ShutDown { reason, .. } => format!("ShutDown: {reason}"),
        other => format!("{other:?}"),
    }
}

type Sink = Arc<Mutex<Vec<(u64, Event)>>>;

fn take_events(sink: &Sink) -> Vec<(u64, Event)> {
    std::mem::take(&mut sink.lock().unwrap())
}

fn event_obs(events: &[(u64, Event)]) -> Vec<Obs> {
    events
        .iter()
        .map(|(at, e)| Obs {
            at: *at,
            who: e.supervisor().into(),
            what: text(e),
        })
        .collect()
}

fn log_obs(entries: Vec<Entry>) -> Vec<Obs> {
    entries
        .into_iter()
        .map(|e| Obs {
            at: e.at,
            who: e.who,
            what: e.what,
        })
        .collect()
}

fn by_who(obs: &[Obs]) -> BTreeMap<Arc<str>, Vec<(u64, &str)>> {
    let mut map: BTreeMap<Arc<str>, Vec<(u64, &str)>> = BTreeMap::new();
    for o in obs {
        map.entry(o.who.clone())
            .or_default()
            .push((o.at, o.what.as_str()));
    }
    map
}

/// Compares per reporter (each supervisor's events, each worker's log lines keep their order;
/// different reporters' interleaving is free).
fn compare(what: &str, expected: &[Obs], actual: &[Obs]) -> Result<(), String> {
    let (e, a) = (by_who(expected), by_who(actual));
    if e == a {
        return Ok(());
    }
    let mut msg = format!("{what} differ from the model's:\n");
    let whos: std::collections::BTreeSet<_> = e.keys().chain(a.keys()).collect();
    for who in whos {
        let (ev, av) = (e.get(who), a.get(who));
        if ev == av {
            continue;
        }
        let _ = writeln!(msg, "  {who}:");
        let _ = writeln!(
            msg,
            "    model:  {:?}",
            ev.map(Vec::as_slice).unwrap_or(&[])
        );
        let _ = writeln!(
            msg,
            "    actual: {:?}",
            av.map(Vec::as_slice).unwrap_or(&[])
        );
    }
    Err(msg)
}

fn handle_of(root: &SupervisorHandle, name: &str) -> SupervisorHandle {
    if name == root.name() {
        root.clone()
    } else {
        root.nested(name)
    }
}

async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(HANG, fut)
        .await
        .map_err(|_| format!("{what} hung (no answer in {HANG:?} of simulated time)"))
}

/// What the steps act on.
struct World<'a> {
    flat: &'a Flat,
    log: &'a Log,
    root: &'a SupervisorHandle,
    registry: &'a Registry,
    args: &'a HashMap<usize, FwArgs>,
    /// The args of the dynamic supervisors' children, by name.
    dyn_args: HashMap<Arc<str>, FwArgs>,
}

async fn perform(act: &Act, world: &mut World<'_>) -> Result<(), String> {
    let (root, registry, args) = (world.root, world.registry, world.args);
    match act {
        Act::None => Ok(()),
        Act::FailInits(node, n) => {
            args[node].failing_inits.store(*n, Ordering::SeqCst);
            Ok(())
        }
        Act::DynFailInits(name, n) => {
            world.dyn_args[name]
                .failing_inits
                .store(*n, Ordering::SeqCst);
            Ok(())
        }
        Act::IgnoreInits(node, n) => {
            args[node].ignoring_inits.store(*n, Ordering::SeqCst);
            Ok(())
        }
        Act::DynIgnoreInits(name, n) => {
            world.dyn_args[name]
                .ignoring_inits
                .store(*n, Ordering::SeqCst);
            Ok(())
        }
        Act::StartDyn {
            sup,
            child,
            fails,
            ignores,
            expect,
        } => {
            let a = FwArgs::new(child, world.log);
            a.failing_inits.store(*fails, Ordering::SeqCst);
            a.ignoring_inits
                .store(u32::from(*ignores), Ordering::SeqCst);
            world.dyn_args.insert(child.clone(), a.clone());
            let h = dyn_handle(world.flat, *sup, root);
            let got = match within("start_child", h.start_child(a)).await? {
                Ok(server) if server.name() == Some(&**child) => Ok(()),
                Ok(server) => {
                    return Err(format!(
                        "start_child started {:?}; the model says {child}",
                        server.name()
                    ));
                }
                Err(e) => Err(e),
            };
            if got != *expect {
                return Err(format!(
                    "start_child on `{}` returned {got:?}; the model says {expect:?}",
                    world.flat.nodes[*sup].name
                ));
            }
            Ok(())
        }
        Act::Cast {
            worker: name,
            dyn_sup,
            kind,
        } => {
            let w = match dyn_sup {
                None => registry
                    .lookup::<Fw>(name)
                    .map_err(|e| format!("the model has {name} running; the registry: {e}"))?,
                Some(d) => within("a dynamic child's lookup", async {
                    dyn_handle(world.flat, *d, root).child(name).await
                })
                .await?
                .map_err(|e| format!("looking {name} up: {e}"))?
                .ok_or_else(|| format!("the model has {name} running; its supervisor has not"))?,
            };
            let cast = match kind {
                CastKind::Panic => FwCast::Panic,
                CastKind::Stop(r) => FwCast::Stop(r.clone()),
                CastKind::Stall(ms) => FwCast::Stall(millis(*ms)),
                CastKind::Arm => FwCast::ArmTerminatePanic,
            };
            w.cast(cast)
                .map_err(|e| format!("a cast to {name}, which the model has running: {e}"))
        }
        Act::Api {
            sup,
            child,
            op,
            expect,
        } => {
            let h = handle_of(root, sup);
            let got = match op {
                ApiOp::Terminate => within("terminate_child", h.terminate_child(child)).await?,
                ApiOp::Restart => within("restart_child", h.restart_child(child)).await?,
                ApiOp::Delete => within("delete_child", h.delete_child(child)).await?,
            };
            if got != *expect {
                return Err(format!(
                    "{op:?} `{child}` on `{sup}` returned {got:?}; the model says {expect:?}"
                ));
            }
            Ok(())
        }
    }
}

/// What must hold between steps, whatever the step was.
async fn check_state(
    ps_state: &[(Arc<str>, Vec<sim::ChildRow>)],
    running: &[Arc<str>],
    flat: &Flat,
    root: &SupervisorHandle,
    registry: &Registry,
    last_id: &HashMap<Arc<str>, ProcessId>,
) -> Result<(), String> {
    for (sup, rows) in ps_state {
        let h = handle_of(root, sup);
        let children = within("which_children", h.which_children())
            .await?
            .map_err(|e| format!("which_children on {sup}, which the model has running: {e}"))?;
        let got: Vec<sim::ChildRow> = children
            .iter()
            .map(|c| {
                let state = match c.state {
                    ChildState::Running(_) => "running",
                    ChildState::Restarting => "restarting",
                    ChildState::NotRunning => "not running",
                };
                (c.name.clone(), state, c.restarts)
            })
            .collect();
        if got != *rows {
            return Err(format!(
                "{sup}'s children differ from the model's:\n  model:  {rows:?}\n  actual: {got:?}"
            ));
        }
    }
    let names = registry.names();
    if names != running {
        return Err(format!(
            "the registry differs from the model:\n  model:  {running:?}\n  actual: {names:?}"
        ));
    }
    for &w in &flat.workers {
        let name = &flat.nodes[w].name;
        match registry.lookup::<Fw>(name) {
            Ok(server) => {
                if !server.is_alive() {
                    return Err(format!(
                        "a registry lookup of {name} returned a dead server"
                    ));
                }
                if let Some(id) = last_id.get(name)
                    && server.id() != *id
                {
                    return Err(format!(
                        "{name} is registered as {}, but its supervisor last started {id}",
                        server.id()
                    ));
                }
            }
            Err(e) if running.contains(name) => {
                return Err(format!("{name} runs in the model; the registry: {e}"));
            }
            Err(_) => {}
        }
    }
    // Names fail fast: a call through the name of a worker that its supervisor is not bringing
    // back (not running, removed, or its supervisor is down) says so at once. (The children
    // of a supervisor with a restart pending may be waiting for it, as the rest of a
    // one_for_all or rest_for_one pass does: they are left out.)
    let expected: Vec<&Arc<str>> = ps_state
        .iter()
        .flat_map(|(_, rows)| {
            let pending = rows.iter().any(|(_, state, _)| *state == "restarting");
            rows.iter()
                .filter(move |(_, state, _)| pending || *state != "not running")
        })
        .map(|(name, _, _)| name)
        .collect();
    for &w in &flat.workers {
        let name = &flat.nodes[w].name;
        if expected.contains(&name) {
            continue;
        }
        let asked = tokio::time::Instant::now();
        let reply = registry.named::<Fw>(name.clone()).call(FwCall::Id).await;
        if !matches!(reply, Err(CallError::NotRunning { .. })) || asked.elapsed() > Duration::ZERO {
            return Err(format!(
                "a call to {name}, which nobody brings back, gave {reply:?} after {:?}; expected \
                 NotRunning at once",
                asked.elapsed()
            ));
        }
    }
    Ok(())
}

/// Records the incarnations the events report, refusing one reported twice.
fn note_ids(
    events: &[(u64, Event)],
    seen: &mut HashSet<ProcessId>,
    last_id: &mut HashMap<Arc<str>, ProcessId>,
) -> Result<(), String> {
    for (_, e) in events {
        let (Event::Started { child, id, .. } | Event::Restarted { child, id, .. }) = e else {
            continue;
        };
        if !seen.insert(*id) {
            return Err(format!(
                "{child} was reported started as {id}, an old incarnation"
            ));
        }
        last_id.insert(child.clone(), *id);
    }
    Ok(())
}

async fn execute(plan: &Plan) -> Result<(), String> {
    let log = Log::new();
    let flat = &plan.flat;
    let args: HashMap<usize, FwArgs> = flat
        .workers
        .iter()
        .map(|&w| {
            let a = FwArgs::new(&flat.nodes[w].name, &log);
            if let Kind::W(cfg) = &flat.nodes[w].kind {
                a.failing_inits.store(cfg.init_failures, Ordering::SeqCst);
                a.ignoring_inits.store(cfg.init_ignores, Ordering::SeqCst);
            }
            (w, a)
        })
        .collect();

    let started = sup_spec(flat, 0, &args).start().await;
    compare(
        "the logs of the start",
        &plan.start_logs,
        &log_obs(log.take()),
    )?;
    let root = match (started, &plan.start) {
        (Ok(root), Ok(())) => root,
        (Err(e), Err(expect)) if e == *expect => return end_checks(None, None).await,
        (Err(e), Err(expect)) => {
            return Err(format!(
                "the start failed with `{e}`; the model says `{expect}`"
            ));
        }
        (Ok(_), Err(expect)) => {
            return Err(format!("the start succeeded; the model says `{expect}`"));
        }
        (Err(e), Ok(())) => {
            return Err(format!(
                "the start failed with `{e}`; the model says it succeeds"
            ));
        }
    };
    let registry = root.registry().clone();

    let sink: Sink = Arc::default();
    let collector = {
        let mut events = root.subscribe();
        let (sink, log) = (sink.clone(), log.clone());
        tokio::spawn(async move {
            while let Some(e) = events.next().await {
                sink.lock().unwrap().push((log.now(), e));
            }
        })
    };

    let mut world = World {
        flat,
        log: &log,
        root: &root,
        registry: &registry,
        args: &args,
        dyn_args: HashMap::new(),
    };
    let mut seen = HashSet::new();
    let mut last_id = HashMap::new();
    for &w in &flat.workers {
        if let Ok(server) = registry.lookup::<Fw>(&flat.nodes[w].name) {
            seen.insert(server.id());
            last_id.insert(flat.nodes[w].name.clone(), server.id());
        }
    }

    for (i, ps) in plan.steps.iter().enumerate() {
        let at = |msg: String| format!("step {i} ({:?}) at {} ms: {msg}", ps.step, ps.at);
        if log.now() != ps.at {
            return Err(at(format!("the clock says {} ms", log.now())));
        }
        perform(&ps.act, &mut world).await.map_err(at)?;
        if log.now() > ps.end {
            return Err(at(format!(
                "the action ended at {} ms; the model says the step ends at {} ms",
                log.now(),
                ps.end
            )));
        }
        tokio::time::sleep_until(log.at(ps.end)).await;
        let events = take_events(&sink);
        compare("the events", &ps.events, &event_obs(&events)).map_err(at)?;
        compare("the workers' logs", &ps.logs, &log_obs(log.take())).map_err(at)?;
        note_ids(&events, &mut seen, &mut last_id).map_err(at)?;
        check_state(&ps.state, &ps.running, flat, &root, &registry, &last_id)
            .await
            .map_err(at)?;
    }

    let at_end = |msg: String| format!("the final shutdown: {msg}");
    match (&plan.shutdown, &plan.root_exit) {
        (Some(sd), _) => {
            if log.now() != sd.at {
                return Err(at_end(format!(
                    "it starts at {} ms, not {}",
                    log.now(),
                    sd.at
                )));
            }
            let reason = within("the root's shutdown", root.shutdown())
                .await
                .map_err(at_end)?;
            if reason != ExitReason::Shutdown {
                return Err(at_end(format!(
                    "the root ended with {reason}, not shutdown"
                )));
            }
            if log.now() != sd.end {
                return Err(at_end(format!(
                    "it took until {} ms; the model says {} ms",
                    log.now(),
                    sd.end
                )));
            }
            // Let whatever would still happen at this instant happen.
            tokio::time::sleep(millis(1)).await;
            compare("the events", &sd.events, &event_obs(&take_events(&sink))).map_err(at_end)?;
            compare("the workers' logs", &sd.logs, &log_obs(log.take())).map_err(at_end)?;
        }
        (None, Some(exit)) => {
            let reason = within("the root's exit", root.wait_exit()).await?;
            if reason != *exit {
                return Err(format!(
                    "the root ended with `{reason}`; the model says `{exit}`"
                ));
            }
        }
        // Ambiguous: only what must hold whatever the order is checked.
        (None, None) => {
            within("the root's shutdown", root.shutdown()).await?;
            tokio::time::sleep(millis(1)).await;
            take_events(&sink);
            log.take();
        }
    }
    end_checks(Some((root, registry, sink, collector)), Some(&log)).await
}

/// After the tree has ended: nothing more happens, no task of it is alive, no name is left.
async fn end_checks(
    tree: Option<(
        SupervisorHandle,
        Registry,
        Sink,
        tokio::task::JoinHandle<()>,
    )>,
    log: Option<&Log>,
) -> Result<(), String> {
    tokio::time::sleep(millis(1)).await;
    if let Some((root, registry, sink, collector)) = tree {
        let late = take_events(&sink);
        if !late.is_empty() {
            return Err(format!("events after the tree ended: {late:?}"));
        }
        collector.abort();
        drop(root);
        if !registry.names().is_empty() {
            return Err(format!(
                "names still registered after the tree ended: {:?}",
                registry.names()
            ));
        }
    }
    // Give aborted tasks their turn to be dropped.
    tokio::time::sleep(millis(1)).await;
    let alive = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    if alive != 0 {
        let late = log.map(|l| l.take()).unwrap_or_default();
        return Err(format!(
            "{alive} task(s) of the tree still alive after it ended (late log lines: {late:?})"
        ));
    }
    Ok(())
}

/// The tree and the plan, readably.
pub fn describe(plan: &Plan) -> String {
    let mut out = String::from("tree:\n");
    fn node(flat: &Flat, n: usize, depth: usize, out: &mut String) {
        let f = &flat.nodes[n];
        let pad = "  ".repeat(depth + 1);
        match &f.kind {
            Kind::W(w) => {
                let _ = writeln!(
                    out,
                    "{pad}{} (id {}) worker {:?} stop={:?} health={:?} backoff={:?} init_failures={} init_ignores={}",
                    f.name,
                    w.id,
                    w.restart,
                    w.stop,
                    w.health,
                    w.backoff,
                    w.init_failures,
                    w.init_ignores
                );
            }
            Kind::S(s) => {
                let _ = writeln!(
                    out,
                    "{pad}{} (id {}) supervisor {:?} intensity={} in {} ms, {:?} stop={:?} \
                     backoff={:?}",
                    f.name,
                    s.id,
                    s.strategy,
                    s.max_restarts,
                    s.within,
                    s.restart,
                    s.stop,
                    s.backoff
                );
                for &c in &f.children {
                    node(flat, c, depth + 1, out);
                }
            }
        }
    }
    node(&plan.flat, 0, 0, &mut out);
    let _ = writeln!(out, "start: {:?}", plan.start);
    for (i, ps) in plan.steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "step {i} at {} ms: {:?} -> {:?}",
            ps.at, ps.step.action, ps.act
        );
        for e in &ps.events {
            let _ = writeln!(out, "    {} ms {}: {}", e.at, e.who, e.what);
        }
        for e in &ps.logs {
            let _ = writeln!(out, "    {} ms {} logs {}", e.at, e.who, e.what);
        }
    }
    if let Some(t) = &plan.truncated {
        let _ = writeln!(out, "(schedule cut short: {t})");
    }
    if let Some(exit) = &plan.root_exit {
        let _ = writeln!(out, "root exits: {exit}");
    }
    out
}
