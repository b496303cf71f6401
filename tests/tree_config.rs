//! Trees from configuration: every option of `supervision_tree!` takes a Rust expression of its
//! type, evaluated once when the tree's spec is made, and has the same effect as the literal.
//! Values only known at run time that can never work fail the start, before anything runs, with
//! an error naming the option and the child or supervisor. The clock is tokio's paused one;
//! lifecycle events are awaited, never slept on.

mod common;

use common::*;
use perennial::prelude::*;
use perennial::supervision_tree;
use perennial::supervisor::{Event, EventStream, SupervisorError, SupervisorStartError};

/// What a service reads from its configuration file.
#[derive(Clone, Copy)]
struct Config {
    strategy: Strategy,
    restarts: u32,
    window: Duration,
    grace: Duration,
    jobs: usize,
    job_restart: Restart,
}

const CONFIG: Config = Config {
    strategy: Strategy::OneForAll,
    restarts: 1,
    window: Duration::from_secs(10),
    grace: Duration::from_secs(2),
    jobs: 2,
    job_restart: Restart::Temporary,
};

async fn restarted(events: &mut EventStream, name: &str) {
    events
        .wait_for(|e| matches!(e, Event::Restarted { child, .. } if &**child == name))
        .await
        .unwrap_or_else(|| panic!("`{name}` was not restarted"));
}

fn crash(client: &perennial::Client<Probe>) {
    client
        .cast(ProbeCast::Crash)
        .expect("the probe takes the cast");
}

#[tokio::test(start_paused = true)]
async fn a_tree_from_a_config_struct_behaves_as_configured() {
    let log = Log::default();
    let cfg = CONFIG;
    let app = supervision_tree! {
        app: supervisor(strategy = cfg.strategy, max_restarts = cfg.restarts, within = cfg.window) {
            a: Probe("a", log.clone()) { health = off, shutdown = cfg.grace.into() },
            b: Probe("b", log.clone()) { health = (None), restart = Restart::Transient },
            jobs: dynamic_supervisor<Job>(max_children = cfg.jobs, children = { restart = cfg.job_restart }),
        }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    assert_eq!(log.take(), ["init a", "init b"]);

    // `strategy = cfg.strategy` (one_for_all): a crash of `b` restarts `a` too.
    crash(&app.b);
    restarted(&mut events, "b").await;
    assert_eq!(
        log.take(),
        [
            "terminate b: panicked: b crashed",
            "terminate a: shutdown",
            "init a",
            "init b",
        ]
    );
    let b = app.child_status("b").await.unwrap();
    assert_eq!(b.restart, Restart::Transient);
    assert_eq!(b.health, None, "`health = (None)` turns the checks off");

    // `max_children = cfg.jobs`: two children, not three; `restart = cfg.job_restart`.
    app.jobs.start_child(1).await.unwrap();
    app.jobs.start_child(2).await.unwrap();
    assert_eq!(
        app.jobs.start_child(3).await.unwrap_err(),
        SupervisorError::MaxChildren(2)
    );
    let children = app.jobs.which_children().await.unwrap();
    assert_eq!(children.len(), 2);
    assert!(children.iter().all(|c| c.restart == Restart::Temporary));

    // `max_restarts = cfg.restarts` (1) within `cfg.window`: a second crash is one too many.
    crash(&app.a);
    let reason = app.join().await;
    let ExitReason::Escalated(escalation) = &reason else {
        panic!("expected an escalation, got {reason}");
    };
    assert_eq!(&*escalation.child, "a");
}

/// Options evaluated once, when the spec is made: a later change to the variable does not
/// reach the tree, as for init arguments.
#[tokio::test(start_paused = true)]
async fn option_expressions_are_evaluated_once_when_the_spec_is_made() {
    let evaluated = Count::default();
    let limit = 1;
    let spec = supervision_tree! {
        app: supervisor {
            jobs: dynamic_supervisor<Job>(max_children = evaluated.tick(limit)),
        }
    };
    assert_eq!(evaluated.get(), 1);
    let app = spec.start().await.unwrap();
    assert_eq!(evaluated.get(), 1);
    app.jobs.start_child(1).await.unwrap();
    assert_eq!(
        app.jobs.start_child(2).await.unwrap_err(),
        SupervisorError::MaxChildren(1)
    );
    app.shutdown().await;
}

/// The error of a tree whose start must fail, after checking that nothing was started.
async fn start_error(
    spec: perennial::tree::TreeSpec<impl Sized>,
    log: &Log,
) -> SupervisorStartError {
    let error = match spec.start().await {
        Ok(_) => panic!("the tree started"),
        Err(error) => error,
    };
    assert_eq!(log.take(), Vec::<String>::new(), "nothing may start");
    error
}

#[tokio::test(start_paused = true)]
async fn a_zero_window_from_configuration_fails_the_start_naming_the_supervisor() {
    let log = Log::default();
    let window = Duration::ZERO;
    let error = start_error(
        supervision_tree! {
            app: supervisor(within = window) { a: Probe("a", log.clone()) }
        },
        &log,
    )
    .await;
    assert!(matches!(
        &error,
        SupervisorStartError::InvalidSpec { supervisor, flag: "within", .. } if &**supervisor == "app"
    ));
    assert_eq!(
        error.to_string(),
        "supervisor `app`: invalid `within`: the restart window must be longer than zero"
    );
}

#[tokio::test(start_paused = true)]
async fn a_child_s_options_that_can_never_work_fail_the_start_naming_the_child() {
    let log = Log::default();
    let grace = Duration::ZERO;
    let error = start_error(
        supervision_tree! {
            app: supervisor {
                a: Probe("a", log.clone()),
                b: Probe("b", log.clone()) { shutdown = grace.into() },
            }
        },
        &log,
    )
    .await;
    assert!(matches!(
        &error,
        SupervisorStartError::InvalidChild { supervisor, child, option: "shutdown", .. }
            if &**supervisor == "app" && &**child == "b"
    ));
    assert!(
        error
            .to_string()
            .starts_with("supervisor `app`, child `b`: invalid `shutdown`: a timeout of zero"),
        "{error}"
    );

    // A health check whose timeout (from configuration) is longer than its interval.
    let every = Duration::from_secs(1);
    let error = start_error(
        supervision_tree! {
            app: supervisor {
                a: Probe("a", log.clone()) { health = { interval = every, timeout = every * 2 } },
            }
        },
        &log,
    )
    .await;
    assert!(matches!(
        &error,
        SupervisorStartError::InvalidChild { child, option: "health.timeout", .. } if &**child == "a"
    ));
    assert_eq!(
        error.to_string(),
        "supervisor `app`, child `a`: invalid `health.timeout`: 2s is longer than the interval \
         between pings (1s): a ping would still be pending when the next is sent; make the \
         timeout at most the interval"
    );

    // A backoff on a child whose restart type, from configuration, is temporary.
    let restart = Restart::Temporary;
    let error = start_error(
        supervision_tree! {
            app: supervisor {
                a: Probe("a", log.clone()) { restart = (restart), backoff = on },
            }
        },
        &log,
    )
    .await;
    assert!(matches!(
        &error,
        SupervisorStartError::InvalidChild {
            option: "backoff",
            ..
        }
    ));

    // A backoff that shrinks.
    let first = Duration::from_secs(5);
    let error = start_error(
        supervision_tree! {
            app: supervisor {
                a: Probe("a", log.clone()) { backoff = { initial = first, max = 1s } },
            }
        },
        &log,
    )
    .await;
    assert!(matches!(
        &error,
        SupervisorStartError::InvalidChild {
            option: "backoff.max",
            ..
        }
    ));
}

#[tokio::test(start_paused = true)]
async fn a_mistake_deep_in_the_tree_fails_the_start_before_anything_runs() {
    let log = Log::default();
    let limit = 0;
    let error = start_error(
        supervision_tree! {
            app: supervisor {
                a: Probe("a", log.clone()),
                db: supervisor {
                    b: Probe("b", log.clone()),
                    jobs: dynamic_supervisor<Job>(max_children = limit),
                },
            }
        },
        &log,
    )
    .await;
    assert!(matches!(
        &error,
        SupervisorStartError::InvalidSpec { supervisor, flag: "max_children", .. } if &**supervisor == "jobs"
    ));
    assert_eq!(
        error.to_string(),
        "supervisor `jobs`: invalid `max_children`: 0 would refuse every child; allow at least 1, or set no limit"
    );

    // The options of the children a dynamic supervisor starts are checked with it.
    let interval = Duration::ZERO;
    let error = start_error(
        supervision_tree! {
            app: supervisor {
                a: Probe("a", log.clone()),
                jobs: dynamic_supervisor<Job>(children = { health = { interval = interval } }),
            }
        },
        &log,
    )
    .await;
    assert!(matches!(
        &error,
        SupervisorStartError::InvalidSpec {
            flag: "children.health.interval",
            ..
        }
    ));
}
