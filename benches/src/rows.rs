//! The table's rows, their units, and perennial's targets for them (issue 17).

use std::collections::HashMap;

use crate::plan::{Contender, Flavor, Measure, Sizes};
use crate::{PRODUCERS, ours};

/// A line of the table (per flavor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Row {
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
pub(crate) enum Unit {
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
pub(crate) enum Target {
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
    pub(crate) const ALL: [Row; 24] = [
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

    pub(crate) fn measure(self) -> Measure {
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

    pub(crate) fn label(self, s: &Sizes) -> String {
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

    pub(crate) fn unit(self) -> Unit {
        match self {
            Row::CastUnbounded | Row::CastBounded | Row::CastProducers => Unit::Rate,
            Row::MemBare | Row::MemAlloc | Row::MemRss | Row::MemHealth => Unit::Bytes,
            Row::HealthCpu => Unit::Cpu,
            _ => Unit::Time,
        }
    }

    /// Whether the peers are measured on this row (the others compare perennial with the floor
    /// only).
    pub(crate) fn has_peers(self) -> bool {
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
    pub(crate) fn targets(self) -> &'static [Target] {
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

/// Every sample taken: (row, flavor, contender) -> one value per repetition.
#[derive(Default)]
pub struct Results {
    samples: HashMap<(Row, Flavor, Contender), Vec<f64>>,
}

impl Results {
    pub fn push(&mut self, row: Row, flavor: Flavor, who: Contender, value: f64) {
        self.samples
            .entry((row, flavor, who))
            .or_default()
            .push(value);
    }

    pub fn get(&self, row: Row, flavor: Flavor, who: Contender) -> Option<&[f64]> {
        self.samples
            .get(&(row, flavor, who))
            .map(Vec::as_slice)
            .filter(|v| !v.is_empty())
    }
}
