//! Model-based fault testing of supervisors.
//!
//! A property test generates supervision trees (up to 4 supervisors deep and 8 children wide;
//! every strategy - one_for_one, one_for_all, rest_for_one, and dynamic supervisors with a
//! child template and an optional max_children -, restart type and shutdown mode; intensities
//! from 0 to 4 in windows of 0.1 to 30 s; some health-checked workers; some children with a
//! restart backoff) and schedules of faults (panics, error returns, normal
//! and shutdown exits, "do not restart me" exits, hangs past the health timeout or past the
//! shutdown timeout, inits that fail on restart, inits that decline to start (OTP's `ignore`,
//! at the tree's start, on restart, on `restart_child` and on a dynamic `start_child`),
//! terminates that panic) mixed with the
//! supervisor API (terminate, restart and delete child; start_child on dynamic supervisors)
//! and waits. A small reference model of
//! the OTP rules (`model/sim.rs`) predicts each step; the harness (`model/harness.rs`) runs the
//! real tree under tokio's paused clock and compares events, logs, child tables, restart counts
//! and the registry after every step, and at the end checks that no task of the tree is alive.
//!
//! CI runs a fixed seed and case count. A longer local run:
//!
//! ```sh
//! PERENNIAL_MODEL_CASES=20000 PERENNIAL_MODEL_SEED=random \
//!     cargo test -p perennial-runtime --release --test model
//! ```
//!
//! (`PERENNIAL_MODEL_SEED` takes a number, or `random`; a failure prints the shrunk tree and
//! schedule, which can be kept below as a regression test.)

#[path = "support/fw.rs"]
mod fw;
#[path = "model/harness.rs"]
mod harness;
#[path = "model/sim.rs"]
mod sim;
#[path = "model/spec.rs"]
mod spec;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// The seed CI uses.
const SEED: u64 = 0x5EED_0F07;
/// The cases CI runs.
const CASES: u32 = 1024;

fn config() -> Config {
    let var = |name| std::env::var(name).ok();
    let cases = var("PERENNIAL_MODEL_CASES")
        .and_then(|c| c.parse().ok())
        .unwrap_or(CASES);
    let rng_seed = match var("PERENNIAL_MODEL_SEED").as_deref() {
        Some("random") => RngSeed::Random,
        Some(n) => RngSeed::Fixed(
            n.parse()
                .expect("PERENNIAL_MODEL_SEED: a number or `random`"),
        ),
        None => RngSeed::Fixed(SEED),
    };
    Config {
        cases,
        rng_seed,
        failure_persistence: None,
        max_shrink_iters: 10_000,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn supervision_trees_behave_as_the_otp_model_predicts(
        tree in spec::tree(),
        steps in spec::schedule(),
    ) {
        harness::run_case(&tree, &steps).map_err(TestCaseError::fail)?;
    }
}

/// What the generated cases exercise: run with
/// `cargo test -p perennial-runtime --test model -- --ignored --nocapture coverage`.
#[test]
#[ignore = "statistics of the generators, for tuning them"]
fn coverage() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeMap;

    let mut runner = TestRunner::new(config());
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut bump = |k: &str, n: usize| *counts.entry(k.to_string()).or_default() += n;
    let cases = config().cases;
    for _ in 0..cases {
        let tree = spec::tree().new_tree(&mut runner).unwrap().current();
        let steps = spec::schedule().new_tree(&mut runner).unwrap().current();
        let plan = sim::plan(&tree, &steps);
        bump("cases", 1);
        bump("nodes", plan.flat.nodes.len());
        let depth = (0..plan.flat.nodes.len())
            .map(|n| plan.flat.path(n).len())
            .max()
            .unwrap_or(0);
        bump(&format!("trees of depth {depth}"), 1);
        let size = plan.flat.nodes.len();
        bump(&format!("trees of size {}..", size / 20 * 20), 1);
        bump("steps generated", steps.len());
        bump("steps run", plan.steps.len());
        if plan.start.is_err() {
            bump("start fails", 1);
        }
        if let Some(t) = &plan.truncated {
            bump("cut short (ambiguous)", 1);
            let _ = t;
        }
        if plan.root_exit.is_some() {
            bump("root escalates", 1);
        }
        let ignored = |logs: &[sim::Obs]| logs.iter().filter(|o| o.what == "init ignored").count();
        bump("inits ignored", ignored(&plan.start_logs));
        for ps in &plan.steps {
            bump("inits ignored", ignored(&ps.logs));
            match &ps.act {
                sim::Act::None => bump("steps skipped or waits", 1),
                sim::Act::StartDyn { expect: Ok(()), .. } => bump("dynamic start_child ok", 1),
                sim::Act::StartDyn { expect: Err(_), .. } => bump("dynamic start_child refused", 1),
                sim::Act::Cast {
                    dyn_sup: Some(_), ..
                } => bump("faults of dynamic children", 1),
                sim::Act::Api { .. } => bump("api calls", 1),
                _ => {}
            }
            for (_, rows) in &ps.state {
                if rows.iter().any(|r| r.1 == "restarting") {
                    bump("steps ending with a child restarting", 1);
                }
            }
            for e in &ps.events {
                let kind = e.what.split([' ', ':']).next().unwrap_or("");
                bump(&format!("event {kind}"), 1);
            }
        }
        if let Some(sd) = &plan.shutdown {
            bump("shutdown events", sd.events.len());
        }
    }
    for (k, v) in counts {
        println!("{k:>28}: {v}");
    }
}
