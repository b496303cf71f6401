//! The report: cells as median [min–max] with ratios to the floor, the targets met or missed,
//! and the whole table.

use std::fmt::Write as _;
use std::time::Duration;

use crate::plan::{Contender, Flavor, Options};
use crate::rows::{Results, Row, Target, Unit};
use crate::{PROFILE, stats, sys};

pub(crate) fn fmt_value(unit: Unit, v: f64) -> String {
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
/// higher throughput is a higher ratio, as the targets are written).
pub(crate) fn ratio(row: Row, flavor: Flavor, who: Contender, r: &Results) -> Option<f64> {
    let base = stats::median(r.get(row, flavor, Contender::Floor)?);
    let mine = stats::median(r.get(row, flavor, who)?);
    Some(mine / base)
}

pub(crate) fn cell(row: Row, flavor: Flavor, who: Contender, r: &Results) -> String {
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
pub(crate) fn check(
    row: Row,
    target: Target,
    flavor: Flavor,
    r: &Results,
) -> Option<(String, bool)> {
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
pub(crate) fn verdict(row: Row, flavor: Flavor, r: &Results) -> String {
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
    pub(crate) fn short(self) -> &'static str {
        match self {
            Row::Call => "row 1's direct unsupervised call",
            Row::Start | Row::Stop | Row::MemAlloc => "health off",
            _ => "its reference",
        }
    }
}

/// The targets, one line each: the rows that measure it, on each flavor.
pub(crate) const TARGETS: &[(&str, &[Row])] = &[
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
pub(crate) fn render_targets(opts: &Options, r: &Results) -> String {
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

pub(crate) fn render(opts: &Options, r: &Results, took: Duration) -> String {
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
