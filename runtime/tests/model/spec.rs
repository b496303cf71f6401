//! What the property test generates: a supervision tree and a schedule of faults, and the
//! flattened, named form of the tree that the model and the harness share.
//!
//! All durations are whole milliseconds of tokio's paused clock.
#![allow(dead_code)]

use std::sync::Arc;

use perennial_runtime::supervisor::{AutoShutdown, Restart, Strategy as Sv};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// How a child is stopped (the runtime's `Shutdown`, in ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    Brutal,
    Timeout(u64),
    Infinity,
}

/// A health check, in ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Health {
    pub interval: u64,
    pub timeout: u64,
    pub failures: u32,
}

/// A restart backoff (the runtime's `Backoff`, in ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    pub initial: u64,
    pub factor: f64,
    pub max: u64,
}

impl Backoff {
    pub fn runtime(self) -> perennial_runtime::supervisor::Backoff {
        perennial_runtime::supervisor::Backoff {
            initial: std::time::Duration::from_millis(self.initial),
            factor: self.factor,
            max: std::time::Duration::from_millis(self.max),
        }
    }

    /// The delay before the `attempt`-th consecutive restart, in whole ms as tokio's timer
    /// wheel fires it (rounded up to the millisecond).
    pub fn delay_ms(self, attempt: u32) -> u64 {
        let d = self.runtime().delay(attempt);
        u64::try_from(d.as_nanos().div_ceil(1_000_000)).expect("a short delay")
    }
}

/// A fault worker.
#[derive(Clone, Debug, PartialEq)]
pub struct W {
    /// What step targets aim at (see [`Action`]).
    pub id: u16,
    pub restart: Restart,
    pub stop: Stop,
    pub health: Option<Health>,
    pub backoff: Option<Backoff>,
    /// How many of its first inits fail (so a non-zero value fails the tree's start).
    pub init_failures: u32,
    /// Significant to its supervisor's `auto_shutdown` (only where OTP allows it; see
    /// [`tree`]).
    pub significant: bool,
    /// How many of its first inits decline to start (OTP's `ignore`), before any that fail.
    pub init_ignores: u32,
}

/// A static supervisor's settings, as a child of its parent and for its own children.
#[derive(Clone, Debug, PartialEq)]
pub struct S {
    /// What step targets aim at (see [`Action`]).
    pub id: u16,
    pub strategy: Sv,
    pub max_restarts: u32,
    /// The restart window, ms.
    pub within: u64,
    /// Its restart type as a child (ignored for the root).
    pub restart: Restart,
    /// How its parent stops it (ignored for the root).
    pub stop: Stop,
    /// Its restart backoff as a child (ignored for the root).
    pub backoff: Option<Backoff>,
    /// `Some` for a dynamic supervisor (then one_for_one, and no children in the spec).
    pub dynamic: Option<Dyn>,
    /// When it shuts down because its significant children ended (`Never` for a dynamic one).
    pub auto_shutdown: AutoShutdown,
    /// Significant to its parent's `auto_shutdown` (ignored for the root).
    pub significant: bool,
    pub children: Vec<Node>,
}

/// What makes a supervisor dynamic: its limit, and the template of the children it starts at
/// run time (fault workers, named `<supervisor>#<n>`).
#[derive(Clone, Debug, PartialEq)]
pub struct Dyn {
    pub max_children: Option<usize>,
    /// The children's restart type, shutdown, health check and backoff (`id` and
    /// `init_failures` unused).
    pub template: W,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    W(W),
    S(S),
}

/// One step of a schedule: an action, then at least `gap` ms of quiet (more if what the action
/// set off takes longer; the next step starts 1 ms after the model says the tree is quiet).
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub action: Action,
    pub gap: u64,
}

/// A target aims at the worker (or, for the API, the non-root node) whose `id` comes first at or
/// after it, cyclically: removing other nodes while shrinking does not re-aim a step.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A worker does something wrong (skipped if it is not running, or is busy in a hang).
    Fault(u16, Fault),
    /// The worker's next `n` inits fail.
    FailInits(u16, u32),
    /// The worker's next `n` inits decline to start (OTP's `ignore`).
    IgnoreInits(u16, u32),
    /// The worker's `terminate` will panic (this incarnation).
    ArmTerminatePanic(u16),
    /// `terminate_child` on the child's supervisor (skipped if that supervisor is not running).
    Terminate(u16),
    /// `restart_child`.
    Restart(u16),
    /// `delete_child`.
    Delete(u16),
    /// `start_child` on the dynamic supervisor, with a child whose first `n` inits fail.
    StartDyn(u16, u32),
    /// A child of the dynamic supervisor (the `k`-th, cyclically) does something wrong.
    DynFault(u16, u8, Fault),
    /// The next `n` inits of a child of the dynamic supervisor fail.
    DynFailInits(u16, u8, u32),
    /// The next `n` inits of a child of the dynamic supervisor decline to start.
    DynIgnoreInits(u16, u8, u32),
    /// `start_child` on the dynamic supervisor, with a child whose init declines to start.
    StartDynIgnored(u16),
    /// Nothing: time passes.
    Wait,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Panics in a handler.
    Panic,
    /// Stops with an error.
    Error,
    /// Stops normally.
    Normal,
    /// Stops with `Shutdown`.
    Shutdown,
    /// Stops asking not to be restarted.
    NoRestart,
    /// Busy for this long, taking no message: a health-checked worker misses its pings and is
    /// killed (the hang then lasts an hour); others refuse to stop until it ends.
    Hang(u64),
}

/// How long a hang of a health-checked worker lasts: past any health timeout.
pub const FOREVER: u64 = 3_600_000;

/// The tree, flattened in start order (depth first), with names: the root is `root`,
/// supervisors `s<i>`, workers `w<i>`.
#[derive(Clone, Debug)]
pub struct Flat {
    pub nodes: Vec<FNode>,
    /// The workers' node indices, in start order.
    pub workers: Vec<usize>,
    /// The dynamic supervisors' node indices.
    pub dynamics: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct FNode {
    pub name: Arc<str>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub kind: Kind,
}

#[derive(Clone, Debug)]
pub enum Kind {
    W(W),
    /// A supervisor (its `children` field emptied; see `FNode::children`).
    S(S),
}

impl FNode {
    pub fn restart(&self) -> Restart {
        match &self.kind {
            Kind::W(w) => w.restart,
            Kind::S(s) => s.restart,
        }
    }

    pub fn stop(&self) -> Stop {
        match &self.kind {
            Kind::W(w) => w.stop,
            Kind::S(s) => s.stop,
        }
    }

    pub fn sup(&self) -> &S {
        match &self.kind {
            Kind::S(s) => s,
            Kind::W(_) => panic!("{} is not a supervisor", self.name),
        }
    }

    pub fn backoff(&self) -> Option<Backoff> {
        match &self.kind {
            Kind::W(w) => w.backoff,
            Kind::S(s) => s.backoff,
        }
    }

    pub fn significant(&self) -> bool {
        match &self.kind {
            Kind::W(w) => w.significant,
            Kind::S(s) => s.significant,
        }
    }

    pub fn health(&self) -> Option<Health> {
        match &self.kind {
            Kind::W(w) => w.health,
            Kind::S(_) => None,
        }
    }

    pub fn is_sup(&self) -> bool {
        matches!(self.kind, Kind::S(_))
    }

    pub fn dynamic(&self) -> Option<&Dyn> {
        match &self.kind {
            Kind::S(s) => s.dynamic.as_ref(),
            Kind::W(_) => None,
        }
    }

    pub fn id(&self) -> u16 {
        match &self.kind {
            Kind::W(w) => w.id,
            Kind::S(s) => s.id,
        }
    }
}

impl Flat {
    pub fn new(root: &S) -> Flat {
        let mut flat = Flat {
            nodes: Vec::new(),
            workers: Vec::new(),
            dynamics: Vec::new(),
        };
        flat.add(&Node::S(root.clone()), None);
        flat
    }

    fn add(&mut self, node: &Node, parent: Option<usize>) -> usize {
        let idx = self.nodes.len();
        let (name, kind, children) = match node {
            Node::W(w) => {
                self.workers.push(idx);
                (
                    format!("w{}", self.workers.len() - 1),
                    Kind::W(w.clone()),
                    &[][..],
                )
            }
            Node::S(s) => {
                if s.dynamic.is_some() {
                    self.dynamics.push(idx);
                }
                let name = if parent.is_none() {
                    "root".to_string()
                } else {
                    format!("s{idx}")
                };
                let own = S {
                    children: Vec::new(),
                    ..s.clone()
                };
                (name, Kind::S(own), &s.children[..])
            }
        };
        self.nodes.push(FNode {
            name: name.into(),
            parent,
            children: Vec::new(),
            kind,
        });
        for child in children {
            let c = self.add(child, Some(idx));
            self.nodes[idx].children.push(c);
        }
        idx
    }

    /// The nodes from the root's child down to `node` (empty for the root).
    pub fn path(&self, node: usize) -> Vec<usize> {
        let mut path = Vec::new();
        let mut n = node;
        while let Some(p) = self.nodes[n].parent {
            path.push(n);
            n = p;
        }
        path.reverse();
        path
    }

    fn aim(&self, target: u16, among: impl Iterator<Item = usize>) -> Option<usize> {
        among.min_by_key(|&n| (self.nodes[n].id().wrapping_sub(target), n))
    }

    /// The worker a target aims at.
    pub fn worker(&self, target: u16) -> Option<usize> {
        self.aim(target, self.workers.iter().copied())
    }

    /// The non-root node a target aims at.
    pub fn child(&self, target: u16) -> Option<usize> {
        self.aim(target, 1..self.nodes.len())
    }

    /// The dynamic supervisor a target aims at.
    pub fn dynamic(&self, target: u16) -> Option<usize> {
        self.aim(target, self.dynamics.iter().copied())
    }
}

// ---- literal trees, for regression tests ----

impl W {
    /// A worker with no health check that inits fine, as a node.
    pub fn node(id: u16, restart: Restart, stop: Stop) -> Node {
        Node::W(W {
            id,
            restart,
            stop,
            health: None,
            backoff: None,
            init_failures: 0,
            significant: false,
            init_ignores: 0,
        })
    }
}

impl S {
    /// A supervisor (as a child: permanent, stopped with `Infinity`).
    pub fn new(id: u16, strategy: Sv, max_restarts: u32, within: u64, children: Vec<Node>) -> S {
        S {
            id,
            strategy,
            max_restarts,
            within,
            restart: Restart::Permanent,
            stop: Stop::Infinity,
            backoff: None,
            dynamic: None,
            auto_shutdown: AutoShutdown::Never,
            significant: false,
            children,
        }
    }

    /// This supervisor as a child with these restart type and shutdown.
    pub fn child(self, restart: Restart, stop: Stop) -> Node {
        Node::S(S {
            restart,
            stop,
            ..self
        })
    }
}

pub fn step(action: Action, gap: u64) -> Step {
    Step { action, gap }
}

// ---- generation ----

fn restart() -> impl Strategy<Value = Restart> {
    prop_oneof![
        5 => Just(Restart::Permanent),
        3 => Just(Restart::Transient),
        2 => Just(Restart::Temporary),
    ]
}

fn auto_shutdown() -> impl Strategy<Value = AutoShutdown> {
    prop_oneof![
        3 => Just(AutoShutdown::Never),
        1 => Just(AutoShutdown::AnySignificant),
        1 => Just(AutoShutdown::AllSignificant),
    ]
}

fn strategy() -> impl Strategy<Value = Sv> {
    prop_oneof![
        Just(Sv::OneForOne),
        Just(Sv::OneForAll),
        Just(Sv::RestForOne),
    ]
}

fn worker_stop() -> impl Strategy<Value = Stop> {
    prop_oneof![
        Just(Stop::Brutal),
        (50..6_000u64).prop_map(Stop::Timeout),
        Just(Stop::Infinity),
    ]
}

fn sup_stop() -> impl Strategy<Value = Stop> {
    prop_oneof![
        1 => Just(Stop::Brutal),
        2 => (500..20_000u64).prop_map(Stop::Timeout),
        3 => Just(Stop::Infinity),
    ]
}

/// A health check the runtime accepts: its timeout is at most its interval (a longer one is a
/// start error, `health.timeout`).
fn health() -> impl Strategy<Value = Health> {
    (1_000..30_000u64, 100..5_000u64, 1..=3u32).prop_map(|(interval, timeout, failures)| Health {
        interval,
        timeout: timeout.min(interval),
        failures,
    })
}

fn backoff() -> impl Strategy<Value = Backoff> {
    (
        prop_oneof![1..50u64, 50..5_000u64],
        prop::sample::select(&[1.0, 1.5, 2.0, 3.0][..]),
        0..20_000u64,
    )
        .prop_map(|(initial, factor, extra)| Backoff {
            initial,
            factor,
            max: initial + extra,
        })
}

fn worker() -> impl Strategy<Value = W> {
    (
        restart(),
        worker_stop(),
        option::weighted(0.3, health()),
        option::weighted(0.2, backoff()),
        any::<u16>(),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(restart, stop, health, backoff, id, significant)| W {
            id,
            restart,
            stop,
            health,
            // A backoff on a temporary child is a start error (`backoff`): it could never apply.
            backoff: backoff.filter(|_| restart != Restart::Temporary),
            init_failures: 0,
            significant,
            init_ignores: 0,
        })
}

fn sup_params() -> impl Strategy<Value = S> {
    (
        strategy(),
        0..=4u32,
        prop_oneof![round(), 100..30_000u64],
        restart(),
        sup_stop(),
        option::weighted(0.15, backoff()),
        any::<u16>(),
        auto_shutdown(),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(
                strategy,
                max_restarts,
                within,
                restart,
                stop,
                backoff,
                id,
                auto_shutdown,
                significant,
            )| S {
                id,
                strategy,
                max_restarts,
                within,
                restart,
                stop,
                backoff: backoff.filter(|_| restart != Restart::Temporary),
                dynamic: None,
                auto_shutdown,
                significant,
                children: Vec::new(),
            },
        )
}

/// A dynamic supervisor (as a leaf of the generated tree: it starts empty).
fn dynamic() -> impl Strategy<Value = S> {
    (sup_params(), option::weighted(0.6, 1..=4usize), worker()).prop_map(
        |(s, max_children, template)| S {
            strategy: Sv::OneForOne,
            auto_shutdown: AutoShutdown::Never,
            dynamic: Some(Dyn {
                max_children,
                template,
            }),
            ..s
        },
    )
}

/// A child: a worker, or a supervisor with up to 8 children, nested at most 3 deep under the
/// root (so trees are up to 4 supervisors deep).
fn node() -> impl Strategy<Value = Node> {
    prop_oneof![
        5 => worker().prop_map(Node::W),
        1 => dynamic().prop_map(Node::S),
    ]
    .prop_recursive(3, 12, 3, |inner| {
        (sup_params(), vec(inner, 0..=8)).prop_map(|(s, children)| Node::S(S { children, ..s }))
    })
}

/// A root supervisor with 1 to 8 children. In one tree in twenty, one worker fails its first
/// inits, so the tree's start fails (and rolls back); in one in six, one worker declines its
/// first inits (OTP's `ignore`), so the tree starts without it.
pub fn tree() -> impl Strategy<Value = S> {
    (
        sup_params(),
        vec(node(), 1..=8),
        option::weighted(0.05, (any::<u16>(), 1..=2u32)),
        option::weighted(0.15, (any::<u16>(), 1..=2u32)),
    )
        .prop_map(|(s, children, fails, ignores)| {
            let mut root = S {
                children,
                significant: false,
                ..s
            };
            allow_significant(&mut root);
            if let Some((target, n)) = fails
                && let Some(w) = Flat::new(&root).worker(target)
            {
                let id = Flat::new(&root).nodes[w].id();
                set_worker(&mut root.children, id, &mut |w| w.init_failures = n);
            }
            if let Some((target, n)) = ignores
                && let Some(w) = Flat::new(&root).worker(target)
            {
                let id = Flat::new(&root).nodes[w].id();
                set_worker(&mut root.children, id, &mut |w| w.init_ignores = n);
            }
            root
        })
}

/// Keeps `significant` only where OTP allows it: on a transient or temporary child of a
/// supervisor whose `auto_shutdown` is not `never`.
fn allow_significant(sup: &mut S) {
    let allowed = sup.auto_shutdown != AutoShutdown::Never;
    for child in &mut sup.children {
        match child {
            Node::W(w) => w.significant &= allowed && w.restart != Restart::Permanent,
            Node::S(s) => {
                s.significant &= allowed && s.restart != Restart::Permanent;
                allow_significant(s);
            }
        }
    }
}

fn set_worker(nodes: &mut [Node], id: u16, set: &mut dyn FnMut(&mut W)) -> bool {
    nodes.iter_mut().any(|node| match node {
        Node::W(w) if w.id == id => {
            set(w);
            true
        }
        Node::W(_) => false,
        Node::S(s) => set_worker(&mut s.children, id, set),
    })
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        7 => Just(Fault::Panic),
        3 => Just(Fault::Error),
        3 => Just(Fault::Normal),
        2 => Just(Fault::Shutdown),
        1 => Just(Fault::NoRestart),
        4 => prop_oneof![100..60_000u64, Just(FOREVER)].prop_map(Fault::Hang),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let target = any::<u16>();
    prop_oneof![
        10 => (target, fault()).prop_map(|(t, f)| Action::Fault(t, f)),
        2 => (target, 1..=3u32).prop_map(|(t, n)| Action::FailInits(t, n)),
        2 => (target, 1..=2u32).prop_map(|(t, n)| Action::IgnoreInits(t, n)),
        1 => target.prop_map(Action::ArmTerminatePanic),
        2 => target.prop_map(Action::Terminate),
        2 => target.prop_map(Action::Restart),
        1 => target.prop_map(Action::Delete),
        3 => (target, prop_oneof![4 => Just(0u32), 1 => 1..=2u32])
            .prop_map(|(t, n)| Action::StartDyn(t, n)),
        4 => (target, any::<u8>(), fault()).prop_map(|(t, k, f)| Action::DynFault(t, k, f)),
        1 => (target, any::<u8>(), 1..=3u32).prop_map(|(t, k, n)| Action::DynFailInits(t, k, n)),
        1 => (target, any::<u8>(), 1..=2u32).prop_map(|(t, k, n)| Action::DynIgnoreInits(t, k, n)),
        1 => target.prop_map(Action::StartDynIgnored),
        2 => Just(Action::Wait),
    ]
}

/// Round durations, so that restarts often land exactly on the edge of a restart window.
fn round() -> impl Strategy<Value = u64> {
    prop::sample::select(&[1u64, 10, 100, 500, 1_000, 2_000, 5_000, 10_000][..])
}

fn gap() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 1..100u64,
        3 => round(),
        2 => 100..3_000u64,
        2 => 3_000..40_000u64,
    ]
}

pub fn schedule() -> impl Strategy<Value = Vec<Step>> {
    vec(
        (action(), gap()).prop_map(|(action, gap)| Step { action, gap }),
        0..40,
    )
}
