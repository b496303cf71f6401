//! `ignore` from init (OTP): the start succeeds with no server; under a supervisor, a static
//! child is kept as a spec with no running child, a temporary or dynamic one is removed, and
//! `restart_child` tries init again.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use perennial_runtime::supervisor::{
    ChildCounts, ChildSpec, ChildState, DynamicSpec, Restart, Strategy, SupervisorError,
    SupervisorSpec,
};
use perennial_runtime::{
    CallError, Context, ExitReason, GenServer, InitError, LookupError, Registry, StartError,
};

/// A server whose init declines while its `ignoring` count is above zero, and fails while its
/// `failing` count is.
struct Maybe;

#[derive(Clone, Default)]
struct MaybeArgs {
    ignoring: Arc<AtomicU32>,
    failing: Arc<AtomicU32>,
    inits: Arc<AtomicU32>,
}

impl MaybeArgs {
    fn ignoring(n: u32) -> Self {
        let args = MaybeArgs::default();
        args.ignoring.store(n, Ordering::SeqCst);
        args
    }

    fn inits(&self) -> u32 {
        self.inits.load(Ordering::SeqCst)
    }
}

fn take_one(count: &AtomicU32) -> bool {
    count
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

#[derive(Debug)]
struct Broken;
impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("broken")
    }
}
impl std::error::Error for Broken {}

impl GenServer for Maybe {
    type Args = MaybeArgs;
    type Call = ();
    type Reply = ();
    type Cast = ExitReason;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = InitError<Broken>;

    async fn init(args: MaybeArgs, _: &mut Context<Self>) -> Result<Self, Self::Error> {
        args.inits.fetch_add(1, Ordering::SeqCst);
        if take_one(&args.ignoring) {
            return Err(InitError::Ignore);
        }
        if take_one(&args.failing) {
            return Err(Broken.into());
        }
        Ok(Maybe)
    }

    fn is_ignore(error: &Self::Error) -> bool {
        error.is_ignore()
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}

    async fn handle_cast(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }
}

fn child(name: &'static str, args: &MaybeArgs) -> ChildSpec {
    ChildSpec::server::<Maybe>(name, args.clone()).health(None)
}

fn counts(specs: usize, active: usize) -> ChildCounts {
    ChildCounts {
        specs,
        active,
        supervisors: 0,
        workers: specs,
    }
}

#[tokio::test(start_paused = true)]
async fn an_ignored_start_succeeds_with_no_server_and_frees_its_name() {
    let registry = Registry::new();
    let args = MaybeArgs::ignoring(1);
    let server = Maybe::builder()
        .register(&registry, "maybe")
        .start(args.clone())
        .await
        .expect("an ignored start succeeds");
    assert!(server.is_ignored());
    assert!(!server.is_alive());
    assert_eq!(server.exit_reason(), Some(ExitReason::Normal));
    assert!(matches!(
        server.call(()).await,
        Err(CallError::NotRunning { .. })
    ));
    assert!(matches!(
        registry.lookup::<Maybe>("maybe"),
        Err(LookupError::NotFound { .. })
    ));
    // The name is free for the next start, which runs.
    let next = Maybe::builder()
        .register(&registry, "maybe")
        .start(args)
        .await
        .unwrap();
    assert!(next.is_alive() && !next.is_ignored());
    assert_eq!(registry.lookup::<Maybe>("maybe"), Ok(next));
}

#[tokio::test(start_paused = true)]
async fn a_failure_is_still_a_failed_start() {
    let args = MaybeArgs::default();
    args.failing.store(1, Ordering::SeqCst);
    match Maybe::start(args).await {
        Err(StartError::Init(InitError::Failed(Broken))) => {}
        other => panic!("expected the init error, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_static_child_that_ignores_is_kept_as_a_spec_and_restart_child_retries_init() {
    let ignoring = MaybeArgs::ignoring(2);
    let sup = SupervisorSpec::new("sup")
        .child(child("runs", &MaybeArgs::default()))
        .child(child("ignores", &ignoring))
        .start()
        .await
        .expect("a start with an ignored child succeeds");
    assert_eq!(sup.count_children().await.unwrap(), counts(2, 1));
    let status = sup.child_status("ignores").await.unwrap();
    assert_eq!(status.state, ChildState::NotRunning);
    assert_eq!(status.restarts, 0);
    // Declined again: the spec stays.
    assert_eq!(sup.restart_child("ignores").await, Ok(()));
    assert_eq!(sup.count_children().await.unwrap(), counts(2, 1));
    // Now init runs.
    assert_eq!(sup.restart_child("ignores").await, Ok(()));
    assert_eq!(sup.count_children().await.unwrap(), counts(2, 2));
    assert_eq!(ignoring.inits(), 3);
    assert!(sup.registry().lookup::<Maybe>("ignores").is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_temporary_child_that_ignores_is_dropped() {
    let sup = SupervisorSpec::new("sup")
        .child(child("runs", &MaybeArgs::default()))
        .child(child("gone", &MaybeArgs::ignoring(1)).restart(Restart::Temporary))
        .start()
        .await
        .unwrap();
    assert_eq!(sup.count_children().await.unwrap(), counts(1, 1));
    assert_eq!(
        sup.child_status("gone").await,
        Err(SupervisorError::NotFound("gone".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn start_child_that_ignores_keeps_a_static_spec_and_drops_a_temporary_one() {
    let sup = SupervisorSpec::new("sup")
        .child(child("runs", &MaybeArgs::default()))
        .start()
        .await
        .unwrap();
    assert_eq!(
        sup.start_child(child("kept", &MaybeArgs::ignoring(1)))
            .await,
        Ok(())
    );
    assert_eq!(sup.count_children().await.unwrap(), counts(2, 1));
    assert_eq!(
        sup.start_child(child("kept", &MaybeArgs::default())).await,
        Err(SupervisorError::AlreadyPresent("kept".into()))
    );
    let temporary = child("temp", &MaybeArgs::ignoring(1)).restart(Restart::Temporary);
    assert_eq!(sup.start_child(temporary).await, Ok(()));
    assert_eq!(sup.count_children().await.unwrap(), counts(2, 1));
}

/// A permanent child crashes and its restart declines: under every strategy the spec stays with
/// no running child, the siblings that were restarted run, and the supervisor stays up.
#[tokio::test(start_paused = true)]
async fn a_restart_that_ignores_leaves_the_spec_not_running_under_every_strategy() {
    for strategy in [
        Strategy::OneForOne,
        Strategy::OneForAll,
        Strategy::RestForOne,
    ] {
        let first = MaybeArgs::default();
        let crashing = MaybeArgs::default();
        let last = MaybeArgs::default();
        let sup = SupervisorSpec::new("sup")
            .strategy(strategy)
            .child(child("first", &first))
            .child(child("crashing", &crashing))
            .child(child("last", &last))
            .start()
            .await
            .unwrap();
        let mut events = sup.subscribe();
        crashing.ignoring.store(1, Ordering::SeqCst);
        let server = sup.registry().lookup::<Maybe>("crashing").unwrap();
        server.cast(ExitReason::error("crash")).unwrap();
        assert_eq!(server.wait_exit().await, ExitReason::error("crash"));
        // The restart is over once the last sibling the strategy touches is running again (or
        // not touched at all, under one_for_one).
        let touched_last = strategy != Strategy::OneForOne;
        if touched_last {
            while !matches!(
                events.next().await,
                Some(perennial_runtime::supervisor::Event::Restarted { child, .. }) if &*child == "last"
            ) {}
        }
        assert_eq!(
            sup.count_children().await.unwrap(),
            counts(3, 2),
            "{strategy:?}"
        );
        assert_eq!(
            sup.child_status("crashing").await.unwrap().state,
            ChildState::NotRunning,
            "{strategy:?}"
        );
        assert_eq!(crashing.inits(), 2, "{strategy:?}");
        let restarted_first = u32::from(strategy == Strategy::OneForAll);
        assert_eq!(first.inits(), 1 + restarted_first, "{strategy:?}");
        assert_eq!(last.inits(), 1 + u32::from(touched_last), "{strategy:?}");
        assert!(sup.exit_reason().is_none(), "{strategy:?}");
        sup.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_one_for_all_restart_tries_an_ignored_childs_init_again() {
    let ignored = MaybeArgs::ignoring(1);
    let crashing = MaybeArgs::default();
    let sup = SupervisorSpec::new("sup")
        .strategy(Strategy::OneForAll)
        .child(child("ignored", &ignored))
        .child(child("crashing", &crashing))
        .start()
        .await
        .unwrap();
    assert_eq!(sup.count_children().await.unwrap(), counts(2, 1));
    let mut events = sup.subscribe();
    let server = sup.registry().lookup::<Maybe>("crashing").unwrap();
    server.cast(ExitReason::error("crash")).unwrap();
    while !matches!(
        events.next().await,
        Some(perennial_runtime::supervisor::Event::Restarted { child, .. }) if &*child == "crashing"
    ) {}
    assert_eq!(sup.count_children().await.unwrap(), counts(2, 2));
    assert_eq!(ignored.inits(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_dynamic_child_that_ignores_is_removed_at_start_and_at_restart() {
    let pool = DynamicSpec::<Maybe>::new("pool").start().await.unwrap();
    let ignored = pool.start_child(MaybeArgs::ignoring(1)).await.unwrap();
    assert!(ignored.is_ignored());
    assert_eq!(pool.count_children().await.unwrap(), counts(0, 0));

    let args = MaybeArgs::default();
    let running = pool.start_child(args.clone()).await.unwrap();
    assert_eq!(pool.count_children().await.unwrap(), counts(1, 1));
    args.ignoring.store(1, Ordering::SeqCst);
    running.cast(ExitReason::error("crash")).unwrap();
    running.wait_exit().await;
    // The restart declines: the child is removed. (The supervisor handles the exit, restart
    // included, before this call, which was sent after it.)
    assert_eq!(pool.count_children().await.unwrap(), counts(0, 0));
    assert_eq!(args.inits(), 2);
    assert!(pool.exit_reason().is_none());
}
