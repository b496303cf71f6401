//! The reference model: OTP's supervisor rules (as `../shared/OTP-SEMANTICS.md` and
//! `../shared/DESIGN.md`, beside the repository's root, state them) run as a plain,
//! single-threaded simulation on a millisecond clock.
//!
//! Given a tree and a schedule it predicts, step by step, every lifecycle event each
//! supervisor publishes and every line each worker logs (`init`, `init failed`,
//! `terminate: <reason>`), each at its time; the state of every running supervisor's children;
//! which names are registered; and what each supervisor API call returns.
//!
//! The model knows nothing of the runtime's code: it is written from the rules. Where two
//! timers of the real tree would fire at the same instant and the outcome depends on which
//! goes first, the model cannot predict the run, so it says so; the plan then stops before
//! that step (and the schedule is simply shorter).
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use perennial_runtime::supervisor::Intensity;
use perennial_runtime::supervisor::{
    AutoShutdown, Restart, Strategy, SupervisorError, SupervisorStartError,
};
use perennial_runtime::{Escalation, ExitReason};

use crate::spec::{Action, Backoff, FOREVER, Fault, Flat, Health, S, Step, Stop, W};

/// One predicted (or observed) fact: at `at` ms, `who` (a supervisor for events, a worker for
/// log lines) reported `what`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Obs {
    pub at: u64,
    pub who: Arc<str>,
    pub what: String,
}

/// What the harness does for a step, resolved against the model's state.
#[derive(Clone, Debug)]
pub enum Act {
    /// Nothing (a wait, or a step whose target is not there).
    None,
    /// A cast to the running worker: a static one (found in the registry), or one that the
    /// dynamic supervisor `dyn_sup` (a node) started (found through that supervisor).
    Cast {
        worker: Arc<str>,
        dyn_sup: Option<usize>,
        kind: CastKind,
    },
    /// Make the worker's next `n` inits fail (worker node index).
    FailInits(usize, u32),
    /// Make a dynamic child's next `n` inits fail.
    DynFailInits(Arc<str>, u32),
    /// Make the worker's next `n` inits decline to start (worker node index).
    IgnoreInits(usize, u32),
    /// Make a dynamic child's next `n` inits decline to start.
    DynIgnoreInits(Arc<str>, u32),
    /// `start_child` on the dynamic supervisor `sup` (a node): a child that will be named
    /// `child`, whose first `fails` inits fail, and what the call must return.
    StartDyn {
        sup: usize,
        child: Arc<str>,
        fails: u32,
        /// Its first init declines to start.
        ignores: bool,
        expect: Result<(), SupervisorError>,
    },
    /// A supervisor API call on `sup` about `child`, and what it must return.
    Api {
        sup: Arc<str>,
        child: Arc<str>,
        op: ApiOp,
        expect: Result<(), SupervisorError>,
    },
}

#[derive(Clone, Debug)]
pub enum CastKind {
    Panic,
    Stop(ExitReason),
    Stall(u64),
    Arm,
}

#[derive(Clone, Copy, Debug)]
pub enum ApiOp {
    Terminate,
    Restart,
    Delete,
}

/// One child as its supervisor should list it: name, state, restart count.
pub type ChildRow = (Arc<str>, &'static str, u32);

#[derive(Clone, Debug)]
pub struct PlannedStep {
    pub step: Step,
    pub act: Act,
    /// When the step's action happens, and when the next one does (ms).
    pub at: u64,
    pub end: u64,
    pub events: Vec<Obs>,
    pub logs: Vec<Obs>,
    /// Every running supervisor's children, depth first.
    pub state: Vec<(Arc<str>, Vec<ChildRow>)>,
    /// The registered names, sorted.
    pub running: Vec<Arc<str>>,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub flat: Flat,
    pub start: Result<(), SupervisorStartError>,
    pub start_logs: Vec<Obs>,
    pub steps: Vec<PlannedStep>,
    /// Why the schedule was cut short, if it was.
    pub truncated: Option<String>,
    /// The root's shutdown: none if the root already ended, or if the outcome is ambiguous (then
    /// the harness shuts the tree down without comparing, and checks only what must hold
    /// whatever the order).
    pub shutdown: Option<Shutdown>,
    /// How the root ended before the shutdown, if it did.
    pub root_exit: Option<ExitReason>,
}

#[derive(Clone, Debug)]
pub struct Shutdown {
    pub at: u64,
    pub end: u64,
    pub events: Vec<Obs>,
    pub logs: Vec<Obs>,
}

// ---- the model's state ----

/// A child's identity: a node of the tree, or (`n > 0`) the `n`-th child that the dynamic
/// supervisor `node` started, named `<supervisor>#<n>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Cid {
    node: usize,
    n: u64,
}

impl Cid {
    fn of(node: usize) -> Cid {
        Cid { node, n: 0 }
    }

    fn path(flat: &Flat, node: usize) -> Vec<Cid> {
        flat.path(node).into_iter().map(Cid::of).collect()
    }
}

#[derive(Clone, Debug)]
struct SupSt {
    node: usize,
    children: Vec<ChildSt>,
    /// Times of the restarts in the window.
    restarts: VecDeque<u64>,
    /// For a dynamic supervisor: how many children it has started.
    started_dyn: u64,
}

#[derive(Clone, Debug)]
struct ChildSt {
    node: Cid,
    run: Run,
    restarts: u32,
    /// When it last started (for the backoff's "stayed up" rule).
    started_at: Option<u64>,
    /// Consecutive backoff attempts.
    attempt: u32,
}

#[derive(Clone, Debug)]
enum Run {
    W(WSt),
    S(SupSt),
    /// Waiting for a retry: this one (an id; 0 for an immediate retry).
    Restarting(u64),
    NotRunning,
}

/// A delayed retry (a backoff): at `at`, the supervisor `sup` retries `child` if it still waits
/// for retry `retry`; `counts` says whether the retry counts in the intensity.
#[derive(Clone, Debug)]
struct Timer {
    at: u64,
    sup: usize,
    child: Cid,
    retry: u64,
    counts: bool,
}

#[derive(Clone, Copy, Debug)]
struct WSt {
    started: u64,
    /// Busy (taking no message) until then.
    stall_until: u64,
    /// `terminate` panics.
    armed: bool,
}

/// An outer deadline passed: the supervisor doing the stopping was killed, and with it
/// everything it still had running.
struct Aborted;

impl SupSt {
    fn pos(&self, node: Cid) -> Option<usize> {
        self.children.iter().position(|c| c.node == node)
    }
}

#[derive(Clone)]
struct Cx<'t> {
    flat: &'t Flat,
    now: u64,
    failing: HashMap<Cid, u32>,
    /// How many of a worker's next inits decline to start (checked before `failing`).
    ignoring: HashMap<Cid, u32>,
    events: Vec<Obs>,
    logs: Vec<Obs>,
    ambiguous: Option<String>,
    timers: Vec<Timer>,
    next_retry: u64,
}

impl Cx<'_> {
    fn name(&self, node: usize) -> Arc<str> {
        self.flat.nodes[node].name.clone()
    }

    fn params(&self, sup: usize) -> &S {
        self.flat.nodes[sup].sup()
    }

    /// A child's name: its node's, or `<supervisor>#<n>` for a dynamic one.
    fn cname(&self, c: Cid) -> Arc<str> {
        match c.n {
            0 => self.name(c.node),
            n => format!("{}#{n}", self.name(c.node)).into(),
        }
    }

    /// The template a dynamic child was made from.
    fn template(&self, c: Cid) -> Option<&W> {
        (c.n > 0).then(|| &self.flat.nodes[c.node].dynamic().expect("dynamic").template)
    }

    fn restart_of(&self, c: Cid) -> Restart {
        self.template(c)
            .map_or_else(|| self.flat.nodes[c.node].restart(), |t| t.restart)
    }

    fn stop_of(&self, c: Cid) -> Stop {
        self.template(c)
            .map_or_else(|| self.flat.nodes[c.node].stop(), |t| t.stop)
    }

    fn backoff_of(&self, c: Cid) -> Option<Backoff> {
        self.template(c)
            .map_or_else(|| self.flat.nodes[c.node].backoff(), |t| t.backoff)
    }

    fn health_of(&self, c: Cid) -> Option<Health> {
        self.template(c)
            .map_or_else(|| self.flat.nodes[c.node].health(), |t| t.health)
    }

    /// Significant to its supervisor's `auto_shutdown` (a dynamic supervisor's children never
    /// are).
    fn significant_of(&self, c: Cid) -> bool {
        c.n == 0 && self.flat.nodes[c.node].significant()
    }

    fn is_sup(&self, c: Cid) -> bool {
        c.n == 0 && self.flat.nodes[c.node].is_sup()
    }

    fn is_dynamic(&self, sup: usize) -> bool {
        self.flat.nodes[sup].dynamic().is_some()
    }

    fn ev(&mut self, sup: usize, what: String) {
        let who = self.name(sup);
        self.events.push(Obs {
            at: self.now,
            who,
            what,
        });
    }

    fn log(&mut self, worker: Cid, what: String) {
        self.log_at(worker, self.now, what);
    }

    fn log_at(&mut self, worker: Cid, at: u64, what: String) {
        let who = self.cname(worker);
        self.logs.push(Obs { at, who, what });
    }

    fn ambiguous(&mut self, why: String) {
        if self.ambiguous.is_none() {
            self.ambiguous = Some(format!("at {} ms: {why}", self.now));
        }
    }

    /// OTP's intensity rule: drop restarts older than the window (one exactly `within` old
    /// still counts), add this one, and allow it if at most `max_restarts` remain.
    fn add_restart(&mut self, sup: &mut SupSt) -> bool {
        let p = self.params(sup.node);
        let (within, max) = (p.within, p.max_restarts);
        while sup.restarts.front().is_some_and(|&t| self.now - t > within) {
            sup.restarts.pop_front();
        }
        sup.restarts.push_back(self.now);
        sup.restarts.len() <= max as usize
    }

    // ---- starting ----

    /// Starts a child: `Ok(None)` when its init declines to start (OTP's `ignore`).
    fn start_child(&mut self, node: Cid) -> Result<Option<Run>, ExitReason> {
        if self.is_sup(node) {
            return self
                .start_sup(node.node)
                .map(|sup| Some(Run::S(sup)))
                .map_err(ExitReason::error);
        }
        if let Some(n) = self.ignoring.get_mut(&node).filter(|n| **n > 0) {
            *n -= 1;
            self.log(node, "init ignored".into());
            return Ok(None);
        }
        if let Some(n) = self.failing.get_mut(&node).filter(|n| **n > 0) {
            *n -= 1;
            self.log(node, "init failed".into());
            return Err(ExitReason::error(format!(
                "{} refused to init",
                self.cname(node)
            )));
        }
        self.log(node, "init".into());
        Ok(Some(Run::W(WSt {
            started: self.now,
            stall_until: 0,
            armed: false,
        })))
    }

    /// Starts a supervisor: its children in order; if one fails, those started are stopped in
    /// reverse and the start fails naming the child.
    fn start_sup(&mut self, node: usize) -> Result<SupSt, SupervisorStartError> {
        let mut sup = SupSt {
            node,
            children: Vec::new(),
            restarts: VecDeque::new(),
            started_dyn: 0,
        };
        for &c in &self.flat.nodes[node].children {
            let c = Cid::of(c);
            match self.start_child(c) {
                // Declined: kept as a spec with no running child; a temporary one is dropped.
                Ok(None) => {
                    if self.restart_of(c) != Restart::Temporary {
                        sup.children.push(ChildSt {
                            node: c,
                            run: Run::NotRunning,
                            restarts: 0,
                            started_at: None,
                            attempt: 0,
                        });
                    }
                }
                Ok(Some(run)) => {
                    sup.children.push(ChildSt {
                        node: c,
                        run,
                        restarts: 0,
                        started_at: Some(self.now),
                        attempt: 0,
                    });
                    let name = self.cname(c);
                    self.ev(node, format!("Started {name}"));
                }
                Err(cause) => {
                    // Fresh children stop at once: nothing to time out.
                    let _ = self.stop_all(&mut sup, None);
                    return Err(SupervisorStartError::ChildFailed {
                        supervisor: self.name(node),
                        child: self.cname(c),
                        cause,
                    });
                }
            }
        }
        Ok(sup)
    }

    // ---- stopping ----

    /// Stops every running child in reverse start order (a dynamic supervisor: all at once).
    fn stop_all(&mut self, sup: &mut SupSt, deadline: Option<u64>) -> Result<(), Aborted> {
        if self.is_dynamic(sup.node) {
            return self.stop_all_at_once(sup, deadline);
        }
        for idx in (0..sup.children.len()).rev() {
            self.stop_child(sup, idx, deadline)?;
        }
        Ok(())
    }

    /// A dynamic supervisor's stop: every child is asked (or killed, for brutal_kill) at once;
    /// then the supervisor waits for each in turn, under one timer (the template's timeout),
    /// killing those still running when it runs out, and reports each exit as it sees it.
    fn stop_all_at_once(&mut self, sup: &mut SupSt, outer: Option<u64>) -> Result<(), Aborted> {
        let now0 = self.now;
        let mode = self.flat.nodes[sup.node]
            .dynamic()
            .expect("dynamic")
            .template
            .stop;
        let limit = match mode {
            Stop::Timeout(d) => Some(now0 + d),
            _ => None,
        };
        let mut outcomes = Vec::new();
        for c in &mut sup.children {
            let Run::W(w) = std::mem::replace(&mut c.run, Run::NotRunning) else {
                c.run = Run::NotRunning;
                continue;
            };
            let (exit_at, orderly) = match mode {
                Stop::Brutal => (now0, false),
                _ => {
                    let finish = now0 + w.stall_until.saturating_sub(now0);
                    match limit {
                        Some(dl) if finish >= dl => (dl, finish == dl),
                        _ => (finish, true),
                    }
                }
            };
            outcomes.push((c.node, w, exit_at, orderly));
        }
        if let Some((c, _, _, _)) = outcomes.iter().find(|o| o.3 && Some(o.2) == limit) {
            let name = self.cname(*c);
            self.ambiguous(format!("{name}'s hang ends as its stop times out"));
        }
        // Terminates run at their own times, whether or not the supervisor lives to see them.
        for &(c, _, exit_at, orderly) in &outcomes {
            if orderly && outer.is_none_or(|o| exit_at < o) {
                self.log_at(c, exit_at, "terminate: shutdown".into());
            }
            if outer == Some(exit_at) {
                let name = self.cname(c);
                self.ambiguous(format!("{name} stops just as its supervisor is killed"));
            }
        }
        let mut seen = now0;
        for (c, w, exit_at, orderly) in outcomes {
            seen = seen.max(exit_at);
            if let Some(o) = outer {
                if seen == o {
                    self.ambiguous("a dynamic supervisor sees an exit as it is killed".into());
                }
                if seen > o {
                    self.now = o;
                    return Err(Aborted);
                }
            }
            self.now = seen;
            let reason = if !orderly {
                ExitReason::Killed
            } else if w.armed {
                ExitReason::Panic(format!("fault: {} failed to clean up", self.cname(c)).into())
            } else {
                ExitReason::Shutdown
            };
            let name = self.cname(c);
            self.ev(sup.node, format!("Exited {name}: {reason}"));
        }
        self.now = seen;
        Ok(())
    }

    /// The orderly stop of a supervisor: its children in reverse, then it reports its end.
    fn stop_sup_orderly(&mut self, sup: &mut SupSt, deadline: Option<u64>) -> Result<(), Aborted> {
        self.stop_all(sup, deadline)?;
        if deadline == Some(self.now) {
            self.ambiguous(format!(
                "{} ends just as its stop times out",
                self.name(sup.node)
            ));
        }
        self.ev(sup.node, "ShutDown: shutdown".into());
        Ok(())
    }

    /// Stops one child per its shutdown mode, if it runs, and reports its exit. `deadline` is
    /// when the supervisor doing this is itself killed (it was asked to stop with a timeout):
    /// past it, nothing more is reported and everything still running is killed silently.
    fn stop_child(
        &mut self,
        sup: &mut SupSt,
        idx: usize,
        deadline: Option<u64>,
    ) -> Result<(), Aborted> {
        let node = sup.children[idx].node;
        let run = std::mem::replace(&mut sup.children[idx].run, Run::NotRunning);
        let mode = self.stop_of(node);
        let name = self.cname(node);
        let reason = match run {
            Run::Restarting(_) | Run::NotRunning => return Ok(()),
            Run::W(w) => {
                let now = self.now;
                let busy = w.stall_until.saturating_sub(now);
                let (finish, orderly) = match mode {
                    Stop::Brutal => (now, false),
                    Stop::Infinity => (now + busy, true),
                    Stop::Timeout(d) => {
                        if busy == d {
                            self.ambiguous(format!("{name}'s hang ends as its stop times out"));
                        }
                        if busy < d {
                            (now + busy, true)
                        } else {
                            (now + d, false)
                        }
                    }
                };
                if let Some(dl) = deadline {
                    if finish == dl {
                        self.ambiguous(format!("{name} stops just as its supervisor is killed"));
                    }
                    if finish > dl {
                        self.now = dl;
                        return Err(Aborted);
                    }
                }
                self.now = finish;
                if orderly {
                    self.log(node, "terminate: shutdown".into());
                    if w.armed {
                        ExitReason::Panic(format!("fault: {name} failed to clean up").into())
                    } else {
                        ExitReason::Shutdown
                    }
                } else {
                    ExitReason::Killed
                }
            }
            Run::S(mut inner) => match mode {
                // Killed, and everything under it with it, silently.
                Stop::Brutal => ExitReason::Killed,
                Stop::Infinity => {
                    self.stop_sup_orderly(&mut inner, deadline)?;
                    ExitReason::Shutdown
                }
                Stop::Timeout(d) => {
                    let own = self.now + d;
                    let outer_first = deadline.is_some_and(|dl| dl <= own);
                    if deadline == Some(own) {
                        self.ambiguous(format!("{name}'s stop times out as its parent is killed"));
                    }
                    let limit = if outer_first { deadline } else { Some(own) };
                    match self.stop_sup_orderly(&mut inner, limit) {
                        Ok(()) => ExitReason::Shutdown,
                        Err(Aborted) if outer_first => return Err(Aborted),
                        Err(Aborted) => {
                            self.now = own;
                            ExitReason::Killed
                        }
                    }
                }
            },
        };
        self.ev(sup.node, format!("Exited {name}: {reason}"));
        Ok(())
    }

    // ---- exits and restarts ----

    /// A child of `sup` exited by itself (or was killed by a health check). Returns the
    /// supervisor's own exit reason if it gave up.
    fn child_exited(
        &mut self,
        sup: &mut SupSt,
        idx: usize,
        reason: ExitReason,
    ) -> Option<ExitReason> {
        let node = sup.children[idx].node;
        let name = self.cname(node);
        self.ev(sup.node, format!("Exited {name}: {reason}"));
        sup.children[idx].run = Run::NotRunning;
        let restart = self.restart_of(node);
        // A sub-supervisor that gave up (`Escalated`) counts as OTP's `shutdown`.
        let restarts = !matches!(reason, ExitReason::NoRestart)
            && match restart {
                Restart::Permanent => true,
                Restart::Transient => !matches!(
                    reason,
                    ExitReason::Normal
                        | ExitReason::Shutdown
                        | ExitReason::NoRestart
                        | ExitReason::Escalated(_)
                ),
                Restart::Temporary => false,
            };
        if !restarts {
            // A dynamic supervisor keeps no child that ended for good.
            if restart == Restart::Temporary || self.is_dynamic(sup.node) {
                sup.children.remove(idx);
            }
            // A significant child that ended by itself for good: `auto_shutdown` decides.
            if self.significant_of(node) && self.shuts_down(sup) {
                return Some(self.auto_shutdown(sup, node));
            }
            return None;
        }
        if !self.add_restart(sup) {
            return Some(self.escalate(sup, node, reason));
        }
        // A backoff: the restart waits, the child showing as restarting; the count of
        // consecutive attempts starts again once the child has stayed up for the window.
        if let Some(b) = self.backoff_of(node) {
            let within = self.params(sup.node).within;
            let c = &mut sup.children[idx];
            let stayed_up = c.started_at.is_some_and(|t| self.now - t >= within);
            c.attempt = if stayed_up { 1 } else { c.attempt + 1 };
            let delay = b.delay_ms(c.attempt);
            self.schedule(sup, idx, delay, false);
            return None;
        }
        self.restart_by_strategy(sup, idx)
    }

    /// Marks the child restarting and arms the retry's timer.
    fn schedule(&mut self, sup: &mut SupSt, idx: usize, delay: u64, counts: bool) {
        self.next_retry += 1;
        let retry = self.next_retry;
        sup.children[idx].run = Run::Restarting(retry);
        self.timers.push(Timer {
            at: self.now + delay,
            sup: sup.node,
            child: sup.children[idx].node,
            retry,
            counts,
        });
    }

    /// A retry's timer fired: the supervisor retries the child if it still waits for it.
    fn retry(&mut self, sup: &mut SupSt, timer: &Timer) -> Option<ExitReason> {
        let idx = sup.pos(timer.child)?;
        if !matches!(sup.children[idx].run, Run::Restarting(r) if r == timer.retry) {
            return None; // terminated, deleted or restarted meanwhile
        }
        if timer.counts && !self.add_restart(sup) {
            let name = self.cname(timer.child);
            let cause = ExitReason::error(format!("restart of `{name}` kept failing"));
            return Some(self.escalate(sup, timer.child, cause));
        }
        self.restart_by_strategy(sup, idx)
    }

    fn restart_by_strategy(&mut self, sup: &mut SupSt, mut idx: usize) -> Option<ExitReason> {
        loop {
            let strategy = self.params(sup.node).strategy;
            let crashed = sup.children[idx].node;
            let group = match strategy {
                Strategy::OneForOne => vec![crashed],
                Strategy::OneForAll | Strategy::RestForOne => {
                    let first = if strategy == Strategy::OneForAll {
                        0
                    } else {
                        idx
                    };
                    for i in (first..sup.children.len()).rev() {
                        if i != idx {
                            let _ = self.stop_child(sup, i, None);
                        }
                    }
                    // Temporary bystanders are removed, not restarted.
                    let mut group = Vec::new();
                    let mut i = first;
                    while i < sup.children.len() {
                        let c = sup.children[i].node;
                        if c != crashed && self.restart_of(c) == Restart::Temporary {
                            sup.children.remove(i);
                            continue;
                        }
                        group.push(c);
                        i += 1;
                    }
                    group
                }
            };
            let failed = self.restart_pass(sup, &group)?;
            // A failed restart is retried (through the mailbox, after its backoff if it has
            // one), and counts again.
            if let Some(b) = self.backoff_of(failed) {
                let idx = sup.pos(failed).expect("a restarting child keeps its spec");
                sup.children[idx].attempt += 1;
                let delay = b.delay_ms(sup.children[idx].attempt);
                self.schedule(sup, idx, delay, true);
                return None;
            }
            if !self.add_restart(sup) {
                let name = self.cname(failed);
                let cause = ExitReason::error(format!("restart of `{name}` kept failing"));
                return Some(self.escalate(sup, failed, cause));
            }
            idx = sup.pos(failed).expect("a restarting child keeps its spec");
        }
    }

    /// Starts each child of `group` that is not running, in order; stops at the first failure
    /// and returns that child.
    fn restart_pass(&mut self, sup: &mut SupSt, group: &[Cid]) -> Option<Cid> {
        for &node in group {
            let Some(idx) = sup.pos(node) else { continue };
            if matches!(sup.children[idx].run, Run::W(_) | Run::S(_)) {
                continue;
            }
            let name = self.cname(node);
            match self.start_child(node) {
                // Declined: a static child's spec stays, not running; a dynamic one goes.
                Ok(None) => {
                    if self.is_dynamic(sup.node) {
                        sup.children.remove(idx);
                    } else {
                        sup.children[idx].run = Run::NotRunning;
                    }
                }
                Ok(Some(run)) => {
                    let c = &mut sup.children[idx];
                    c.run = run;
                    c.started_at = Some(self.now);
                    c.restarts += 1;
                    let n = c.restarts;
                    self.ev(sup.node, format!("Restarted {name} {n}"));
                }
                Err(reason) => {
                    self.ev(sup.node, format!("RestartFailed {name}: {reason}"));
                    sup.children[idx].run = Run::Restarting(0);
                    return Some(node);
                }
            }
        }
        None
    }

    /// After a significant child ended for good: whether `sup` shuts down (`all_significant`
    /// counts a significant child being restarted as still there).
    fn shuts_down(&self, sup: &SupSt) -> bool {
        match self.params(sup.node).auto_shutdown {
            AutoShutdown::Never => false,
            AutoShutdown::AnySignificant => true,
            AutoShutdown::AllSignificant => !sup
                .children
                .iter()
                .any(|c| self.significant_of(c.node) && !matches!(c.run, Run::NotRunning)),
        }
    }

    /// Shuts down after its significant children ended: stops the others in reverse and ends
    /// with `Shutdown`.
    fn auto_shutdown(&mut self, sup: &mut SupSt, child: Cid) -> ExitReason {
        let name = self.cname(child);
        self.ev(sup.node, format!("AutoShutdown {name}"));
        let _ = self.stop_all(sup, None);
        self.ev(sup.node, "ShutDown: shutdown".to_string());
        ExitReason::Shutdown
    }

    /// Gives up: stops every child in reverse and ends with an escalation.
    fn escalate(&mut self, sup: &mut SupSt, child: Cid, cause: ExitReason) -> ExitReason {
        let name = self.cname(child);
        self.ev(sup.node, format!("IntensityExceeded {name}"));
        let _ = self.stop_all(sup, None);
        let p = self.params(sup.node);
        let reason = ExitReason::Escalated(Arc::new(Escalation {
            supervisor: self.name(sup.node),
            child: name,
            cause,
            intensity: Intensity::new(p.max_restarts, Duration::from_millis(p.within)),
        }));
        self.ev(sup.node, format!("ShutDown: {reason}"));
        reason
    }

    /// Hands the exit of the node at the end of `path` (below `sup`) to its supervisor, and
    /// any supervisor's giving up to its parent in turn.
    fn deliver(&mut self, sup: &mut SupSt, path: &[Cid], reason: ExitReason) -> Option<ExitReason> {
        let idx = sup.pos(path[0]).expect("the path is running");
        if path.len() == 1 {
            return self.child_exited(sup, idx, reason);
        }
        let Run::S(inner) = &mut sup.children[idx].run else {
            panic!("the path is running")
        };
        let up = self.deliver(inner, &path[1..], reason)?;
        self.child_exited(sup, idx, up)
    }
}

fn find_child<'a>(sup: &'a mut SupSt, path: &[Cid]) -> Option<&'a mut ChildSt> {
    let idx = sup.pos(path[0])?;
    let child = &mut sup.children[idx];
    if path.len() == 1 {
        return Some(child);
    }
    match &mut child.run {
        Run::S(inner) => find_child(inner, &path[1..]),
        _ => None,
    }
}

fn find_sup<'a>(root: &'a mut SupSt, path: &[Cid]) -> Option<&'a mut SupSt> {
    if path.is_empty() {
        return Some(root);
    }
    match &mut find_child(root, path)?.run {
        Run::S(inner) => Some(inner),
        _ => None,
    }
}

fn find_sup_ref<'a>(sup: &'a SupSt, path: &[Cid]) -> Option<&'a SupSt> {
    let Some((&first, rest)) = path.split_first() else {
        return Some(sup);
    };
    let child = &sup.children[sup.pos(first)?];
    match &child.run {
        Run::S(inner) => find_sup_ref(inner, rest),
        _ => None,
    }
}

#[derive(Clone)]
struct Model<'t> {
    cx: Cx<'t>,
    root: Option<SupSt>,
    root_exit: Option<ExitReason>,
}

impl<'t> Model<'t> {
    fn set_root_exit(&mut self, exit: Option<ExitReason>) {
        if let Some(reason) = exit {
            self.root = None;
            self.root_exit = Some(reason);
        }
    }

    fn apply(&mut self, action: &Action) -> Act {
        let flat = self.cx.flat;
        match *action {
            Action::Wait => Act::None,
            Action::Fault(t, ref fault) => match flat.worker(t) {
                Some(w) => self.fault(Cid::path(flat, w), fault),
                None => Act::None,
            },
            Action::FailInits(t, n) => match flat.worker(t) {
                Some(w) => {
                    self.cx.failing.insert(Cid::of(w), n);
                    Act::FailInits(w, n)
                }
                None => Act::None,
            },
            Action::ArmTerminatePanic(t) => {
                let Some(w) = flat.worker(t) else {
                    return Act::None;
                };
                let now = self.cx.now;
                match self.running_worker(&Cid::path(flat, w)) {
                    Some(ws) if ws.stall_until <= now => {
                        ws.armed = true;
                        Act::Cast {
                            worker: flat.nodes[w].name.clone(),
                            dyn_sup: None,
                            kind: CastKind::Arm,
                        }
                    }
                    _ => Act::None,
                }
            }
            Action::Terminate(t) => self.api(t, ApiOp::Terminate),
            Action::Restart(t) => self.api(t, ApiOp::Restart),
            Action::Delete(t) => self.api(t, ApiOp::Delete),
            Action::StartDyn(t, fails) => match flat.dynamic(t) {
                Some(d) => self.start_dyn(d, fails, false),
                None => Act::None,
            },
            Action::StartDynIgnored(t) => match flat.dynamic(t) {
                Some(d) => self.start_dyn(d, 0, true),
                None => Act::None,
            },
            Action::IgnoreInits(t, n) => match flat.worker(t) {
                Some(w) => {
                    self.cx.ignoring.insert(Cid::of(w), n);
                    Act::IgnoreInits(w, n)
                }
                None => Act::None,
            },
            Action::DynIgnoreInits(t, k, n) => match self.dyn_child(t, k) {
                Some(path) => {
                    let c = *path.last().expect("a child");
                    self.cx.ignoring.insert(c, n);
                    Act::DynIgnoreInits(self.cx.cname(c), n)
                }
                None => Act::None,
            },
            Action::DynFault(t, k, ref fault) => match self.dyn_child(t, k) {
                Some(path) => self.fault(path, fault),
                None => Act::None,
            },
            Action::DynFailInits(t, k, n) => match self.dyn_child(t, k) {
                Some(path) => {
                    let c = *path.last().expect("a child");
                    self.cx.failing.insert(c, n);
                    Act::DynFailInits(self.cx.cname(c), n)
                }
                None => Act::None,
            },
        }
    }

    /// The path to the `k`-th (cyclically) child of the dynamic supervisor a target aims at, if
    /// that supervisor runs and has children.
    fn dyn_child(&mut self, target: u16, k: u8) -> Option<Vec<Cid>> {
        let d = self.cx.flat.dynamic(target)?;
        let mut path = Cid::path(self.cx.flat, d);
        let sup = find_sup(self.root.as_mut()?, &path)?;
        if sup.children.is_empty() {
            return None;
        }
        path.push(sup.children[usize::from(k) % sup.children.len()].node);
        Some(path)
    }

    /// `start_child` on a dynamic supervisor: refused when full (children waiting for a
    /// restart count), else the next `<supervisor>#<n>`, kept only if it starts.
    fn start_dyn(&mut self, d: usize, fails: u32, ignores: bool) -> Act {
        let path = Cid::path(self.cx.flat, d);
        let Some(sup) = self.root.as_mut().and_then(|root| find_sup(root, &path)) else {
            return Act::None; // not running: nobody to ask
        };
        let max = self.cx.flat.nodes[d]
            .dynamic()
            .expect("dynamic")
            .max_children;
        let cx = &mut self.cx;
        let next = Cid {
            node: d,
            n: sup.started_dyn + 1,
        };
        let child = cx.cname(next);
        let expect = match max {
            Some(max) if sup.children.len() >= max => Err(SupervisorError::MaxChildren(max)),
            _ => {
                sup.started_dyn += 1;
                cx.failing.insert(next, fails);
                cx.ignoring.insert(next, u32::from(ignores));
                match cx.start_child(next) {
                    // Declined: not kept, and `start_child` succeeds.
                    Ok(None) => Ok(()),
                    Ok(Some(run)) => {
                        sup.children.push(ChildSt {
                            node: next,
                            run,
                            restarts: 0,
                            started_at: Some(cx.now),
                            attempt: 0,
                        });
                        cx.ev(d, format!("Started {child}"));
                        Ok(())
                    }
                    Err(reason) => Err(SupervisorError::StartFailed {
                        child: child.clone(),
                        reason,
                    }),
                }
            }
        };
        Act::StartDyn {
            sup: d,
            child,
            fails,
            ignores,
            expect,
        }
    }

    /// Whether a timer would still act: its child still waits for that very retry.
    fn live(&self, t: &Timer) -> bool {
        let Some(root) = &self.root else { return false };
        let Some(sup) = find_sup_ref(root, &Cid::path(self.cx.flat, t.sup)) else {
            return false;
        };
        sup.pos(t.child)
            .is_some_and(|i| matches!(sup.children[i].run, Run::Restarting(r) if r == t.retry))
    }

    /// Forgets the timers that would do nothing (in the runtime, those are aborted or ignored).
    fn prune(&mut self) {
        let timers = std::mem::take(&mut self.cx.timers);
        self.cx.timers = timers.into_iter().filter(|t| self.live(t)).collect();
    }

    /// Something ran from `from` to now: a timer pending before (`before`) or armed since
    /// that fell due meanwhile would interleave with it in an order the model does not follow.
    fn check_overlap(&mut self, from: u64, before: &[Timer]) {
        let now = self.cx.now;
        let due = |t: &&Timer| t.at >= from && t.at <= now && now > from;
        if let Some(t) = before.iter().chain(&self.cx.timers).find(due) {
            let why = format!(
                "a retry of {} is due at {} ms, while something else runs from {from} to {now} ms",
                self.cx.cname(t.child),
                t.at
            );
            self.cx.ambiguous(why);
        }
    }

    /// A retry's timer fires: its supervisor retries, and a giving up goes up the tree.
    fn fire(&mut self, timer: &Timer) {
        let path = Cid::path(self.cx.flat, timer.sup);
        let Some(root) = self.root.as_mut() else {
            return;
        };
        let Some(sup) = find_sup(root, &path) else {
            return;
        };
        let Some(reason) = self.cx.retry(sup, timer) else {
            return;
        };
        if path.is_empty() {
            return self.set_root_exit(Some(reason));
        }
        let root = self.root.as_mut().expect("running");
        let exit = self.cx.deliver(root, &path, reason);
        self.set_root_exit(exit);
    }

    /// Runs the timers due before `end` (each once the tree is quiet); returns the step's end,
    /// later if what they set off takes longer, and never on a timer's instant.
    fn run_timers(&mut self, mut end: u64) -> u64 {
        loop {
            self.prune();
            while self.cx.timers.iter().any(|t| t.at == end) {
                end += 1;
            }
            let next = (self.cx.timers.iter().enumerate())
                .filter(|(_, t)| t.at < end)
                .min_by_key(|(_, t)| t.at)
                .map(|(i, _)| i);
            let Some(i) = next else { break };
            let timer = self.cx.timers.remove(i);
            if self.cx.timers.iter().any(|t| t.at == timer.at) {
                self.cx.now = timer.at;
                self.cx.ambiguous("two retries are due at once".into());
                return end;
            }
            self.cx.now = timer.at;
            let before = self.cx.timers.clone();
            self.fire(&timer);
            self.prune();
            self.check_overlap(timer.at, &before);
            if self.cx.ambiguous.is_some() {
                return end;
            }
            end = end.max(self.cx.now + 1);
        }
        end
    }

    fn running_worker(&mut self, path: &[Cid]) -> Option<&mut WSt> {
        match &mut find_child(self.root.as_mut()?, path)?.run {
            Run::W(ws) => Some(ws),
            _ => None,
        }
    }

    /// The worker at the end of `path` does something wrong.
    fn fault(&mut self, path: Vec<Cid>, fault: &Fault) -> Act {
        let now = self.cx.now;
        let w = *path.last().expect("a worker");
        let name = self.cx.cname(w);
        let dyn_sup = (w.n > 0).then_some(w.node);
        let cast = |kind| Act::Cast {
            worker: name.clone(),
            dyn_sup,
            kind,
        };
        let Some(ws) = self.running_worker(&path).copied() else {
            return Act::None;
        };
        if ws.stall_until > now {
            return Act::None; // busy in a hang: it would take the message only later
        }
        let sup = match path.len() {
            1 => 0,
            n => path[n - 2].node,
        };
        let sup = if w.n > 0 { w.node } else { sup };
        let (kind, reason) = match fault {
            Fault::Hang(d) => match self.cx.health_of(w) {
                None => {
                    if let Some(ws) = self.running_worker(&path) {
                        ws.stall_until = now + d;
                    }
                    return cast(CastKind::Stall(*d));
                }
                Some(h) => {
                    // It misses the pings from the next one on: each fails `timeout` after it
                    // is sent, the next is sent `interval` later; the last gets it killed.
                    let since = now - ws.started;
                    if since > 0 && since.is_multiple_of(h.interval) {
                        self.cx
                            .ambiguous(format!("{name} hangs just as it is pinged"));
                    }
                    let first = ws.started + (since / h.interval + 1) * h.interval;
                    for j in 1..=h.failures {
                        self.cx.now =
                            first + u64::from(j - 1) * (h.timeout + h.interval) + h.timeout;
                        self.cx.ev(sup, format!("HealthFailed {name} {j}"));
                    }
                    let reason = ExitReason::error(format!(
                        "health check failed: no pong within {:?}, {} times in a row",
                        Duration::from_millis(h.timeout),
                        h.failures
                    ));
                    let root = self.root.as_mut().expect("running");
                    let exit = self.cx.deliver(root, &path, reason);
                    self.set_root_exit(exit);
                    return cast(CastKind::Stall(FOREVER));
                }
            },
            Fault::Panic => (
                CastKind::Panic,
                ExitReason::Panic(format!("fault: {name} crashed").into()),
            ),
            Fault::Error => {
                let r = ExitReason::error(format!("fault: {name} failed"));
                (CastKind::Stop(r.clone()), r)
            }
            Fault::Normal => (CastKind::Stop(ExitReason::Normal), ExitReason::Normal),
            Fault::Shutdown => (CastKind::Stop(ExitReason::Shutdown), ExitReason::Shutdown),
            Fault::NoRestart => (CastKind::Stop(ExitReason::NoRestart), ExitReason::NoRestart),
        };
        // It stops by itself: `terminate` runs with the reason (and may panic).
        self.cx.log(w, format!("terminate: {reason}"));
        let reason = if ws.armed {
            ExitReason::Panic(format!("fault: {name} failed to clean up").into())
        } else {
            reason
        };
        let root = self.root.as_mut().expect("running");
        let exit = self.cx.deliver(root, &path, reason);
        self.set_root_exit(exit);
        cast(kind)
    }

    fn api(&mut self, target: u16, op: ApiOp) -> Act {
        let flat = self.cx.flat;
        let Some(node) = flat.child(target) else {
            return Act::None;
        };
        let parent = flat.nodes[node].parent.expect("not the root");
        let parent_path = Cid::path(flat, parent);
        let Some(root) = self.root.as_mut() else {
            return Act::None;
        };
        let Some(sup) = find_sup(root, &parent_path) else {
            return Act::None; // its supervisor is not running: nobody to ask
        };
        let name = flat.nodes[node].name.clone();
        let cx = &mut self.cx;
        let expect = match sup.pos(Cid::of(node)) {
            None => Err(SupervisorError::NotFound(name.clone())),
            Some(idx) => match op {
                ApiOp::Terminate => {
                    let _ = cx.stop_child(sup, idx, None);
                    sup.children[idx].run = Run::NotRunning;
                    if flat.nodes[node].restart() == Restart::Temporary {
                        sup.children.remove(idx);
                    }
                    Ok(())
                }
                ApiOp::Restart | ApiOp::Delete => match sup.children[idx].run {
                    Run::W(_) | Run::S(_) => Err(SupervisorError::Running(name.clone())),
                    Run::Restarting(_) => Err(SupervisorError::Restarting(name.clone())),
                    Run::NotRunning => match op {
                        ApiOp::Delete => {
                            sup.children.remove(idx);
                            Ok(())
                        }
                        _ => match cx.start_child(Cid::of(node)) {
                            // Declined again: the spec stays, not running.
                            Ok(None) => Ok(()),
                            Ok(Some(run)) => {
                                sup.children[idx].run = run;
                                sup.children[idx].started_at = Some(cx.now);
                                cx.ev(parent, format!("Started {name}"));
                                Ok(())
                            }
                            Err(reason) => Err(SupervisorError::StartFailed {
                                child: name.clone(),
                                reason,
                            }),
                        },
                    },
                },
            },
        };
        Act::Api {
            sup: flat.nodes[parent].name.clone(),
            child: name,
            op,
            expect,
        }
    }

    fn state(&self) -> Vec<(Arc<str>, Vec<ChildRow>)> {
        fn walk(cx: &Cx<'_>, sup: &SupSt, out: &mut Vec<(Arc<str>, Vec<ChildRow>)>) {
            let rows = sup
                .children
                .iter()
                .map(|c| {
                    let state = match c.run {
                        Run::W(_) | Run::S(_) => "running",
                        Run::Restarting(_) => "restarting",
                        Run::NotRunning => "not running",
                    };
                    (cx.cname(c.node), state, c.restarts)
                })
                .collect();
            out.push((cx.name(sup.node), rows));
            for c in &sup.children {
                if let Run::S(inner) = &c.run {
                    walk(cx, inner, out);
                }
            }
        }
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            walk(&self.cx, root, &mut out);
        }
        out
    }

    /// The registered names: running supervisors and static workers (a dynamic supervisor's
    /// children are not registered).
    fn running(&self) -> Vec<Arc<str>> {
        fn walk(cx: &Cx<'_>, sup: &SupSt, out: &mut Vec<Arc<str>>) {
            out.push(cx.name(sup.node));
            for c in &sup.children {
                match &c.run {
                    Run::W(_) if c.node.n == 0 => out.push(cx.cname(c.node)),
                    Run::S(inner) => walk(cx, inner, out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        if let Some(root) = &self.root {
            walk(&self.cx, root, &mut out);
        }
        out.sort();
        out
    }
}

/// Runs the model over a tree and a schedule.
pub fn plan(tree: &S, steps: &[Step]) -> Plan {
    let flat = Flat::new(tree);
    let failing = (flat.nodes.iter().enumerate())
        .filter_map(|(i, n)| match &n.kind {
            crate::spec::Kind::W(w) => Some((Cid::of(i), w.init_failures)),
            crate::spec::Kind::S(_) => None,
        })
        .collect();
    let ignoring = (flat.nodes.iter().enumerate())
        .filter_map(|(i, n)| match &n.kind {
            crate::spec::Kind::W(w) => Some((Cid::of(i), w.init_ignores)),
            crate::spec::Kind::S(_) => None,
        })
        .collect();
    let mut m = Model {
        cx: Cx {
            flat: &flat,
            now: 0,
            failing,
            ignoring,
            events: Vec::new(),
            logs: Vec::new(),
            ambiguous: None,
            timers: Vec::new(),
            next_retry: 0,
        },
        root: None,
        root_exit: None,
    };
    let start = m.cx.start_sup(0).map(|root| {
        m.root = Some(root);
    });
    let start_logs = std::mem::take(&mut m.cx.logs);
    m.cx.events.clear();

    let mut planned = Vec::new();
    let mut truncated = None;
    if start.is_ok() {
        for step in steps {
            if m.root.is_none() {
                break;
            }
            let before = m.clone();
            let at = m.cx.now;
            let pending = m.cx.timers.clone();
            let act = m.apply(&step.action);
            m.prune();
            m.check_overlap(at, &pending);
            let end = if m.cx.ambiguous.is_none() {
                m.run_timers((m.cx.now + 1).max(at + step.gap))
            } else {
                0
            };
            if let Some(why) = m.cx.ambiguous.take() {
                truncated = Some(why);
                m = before;
                break;
            }
            m.cx.now = end;
            planned.push(PlannedStep {
                step: step.clone(),
                act,
                at,
                end,
                events: std::mem::take(&mut m.cx.events),
                logs: std::mem::take(&mut m.cx.logs),
                state: m.state(),
                running: m.running(),
            });
        }
    }

    let shutdown = match m.root.take() {
        Some(mut root) => {
            let at = m.cx.now;
            let _ = m.cx.stop_sup_orderly(&mut root, None);
            // Retries still pending are dropped with their supervisors, unless one falls due
            // while the shutdown runs.
            let now = m.cx.now;
            if let Some(t) = (m.cx.timers.iter()).find(|t| t.at >= at && t.at <= now && now > at) {
                let why = format!("a retry is due at {} ms, during the shutdown", t.at);
                m.cx.ambiguous(why);
            }
            match m.cx.ambiguous.take() {
                Some(why) => {
                    let before = truncated
                        .take()
                        .map(|t| format!("{t}; "))
                        .unwrap_or_default();
                    truncated = Some(format!("{before}the final shutdown: {why}"));
                    None
                }
                None => Some(Shutdown {
                    at,
                    end: m.cx.now,
                    events: std::mem::take(&mut m.cx.events),
                    logs: std::mem::take(&mut m.cx.logs),
                }),
            }
        }
        None => None,
    };
    let root_exit = m.root_exit.clone();
    Plan {
        start,
        start_logs,
        steps: planned,
        truncated,
        shutdown,
        root_exit,
        flat,
    }
}
