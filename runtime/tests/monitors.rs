//! Monitors: a server watches servers, names, supervisors and task children, and gets a `Down`
//! when they exit (`NoProc` at once when they are not running); demonitor; no monitor outlives
//! either side.

use std::convert::Infallible;
use std::num::NonZeroUsize;
use std::time::Duration;

use perennial_runtime::supervisor::{ChildHandle, ChildSpec, SupervisorHandle, SupervisorSpec};
use perennial_runtime::{
    Context, Down, DownReason, ExitReason, GenServer, MonitorRef, Registry, ServerRef,
};
use tokio::sync::mpsc;

/// A server that does nothing until told to stop.
struct Target;

impl GenServer for Target {
    type Args = ();
    type Call = ();
    type Reply = ();
    type Cast = ExitReason;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Target)
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}

    async fn handle_cast(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }
}

/// Monitors what it is told to, and reports every `Down` it handles.
struct Watcher {
    downs: mpsc::UnboundedSender<Down>,
}

enum Watch {
    Server(ServerRef<Target>),
    Name(Registry, &'static str),
    Child(ChildHandle),
    Supervisor(SupervisorHandle),
    Demonitor(MonitorRef),
    /// Stops the target, so that its `Down` is queued, then demonitors it in the same handler.
    StopThenDemonitor(ServerRef<Target>, MonitorRef),
    /// Monitors and demonitors `target` this many times, in one handler.
    Cycles(ServerRef<Target>, u32),
    Pending,
    /// Busy for this long (the mailbox fills meanwhile).
    Busy(Duration),
}

#[derive(Debug, PartialEq)]
enum Answer {
    Monitor(MonitorRef),
    Demonitored(bool),
    Pending(usize),
    Done,
}

impl GenServer for Watcher {
    type Args = mpsc::UnboundedSender<Down>;
    type Call = Watch;
    type Reply = Answer;
    type Cast = ();
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(downs: Self::Args, _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Watcher { downs })
    }

    async fn handle_call(&mut self, watch: Watch, ctx: &mut Context<Self>) -> Answer {
        match watch {
            Watch::Server(target) => Answer::Monitor(ctx.monitor(&target)),
            Watch::Name(registry, name) => Answer::Monitor(ctx.monitor_name(&registry, name)),
            Watch::Child(child) => Answer::Monitor(ctx.monitor_child(&child).await),
            Watch::Supervisor(sup) => Answer::Monitor(ctx.monitor(&sup)),
            Watch::Demonitor(monitor) => Answer::Demonitored(ctx.demonitor(monitor)),
            Watch::StopThenDemonitor(target, monitor) => {
                target.stop(ExitReason::Shutdown).await.unwrap();
                Answer::Demonitored(ctx.demonitor(monitor))
            }
            Watch::Cycles(target, n) => {
                for _ in 0..n {
                    let monitor = ctx.monitor(&target);
                    assert!(ctx.demonitor(monitor));
                }
                Answer::Done
            }
            Watch::Pending => Answer::Pending(ctx.monitors_pending()),
            Watch::Busy(d) => {
                tokio::time::sleep(d).await;
                Answer::Done
            }
        }
    }

    async fn handle_down(&mut self, down: Down, _: &mut Context<Self>) {
        let _ = self.downs.send(down);
    }
}

async fn watcher() -> (ServerRef<Watcher>, mpsc::UnboundedReceiver<Down>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Watcher::start(tx).await.unwrap(), rx)
}

async fn monitor(watcher: &ServerRef<Watcher>, watch: Watch) -> MonitorRef {
    match watcher.call(watch).await.unwrap() {
        Answer::Monitor(m) => m,
        other => panic!("not a monitor: {other:?}"),
    }
}

async fn pending(watcher: &ServerRef<Watcher>) -> usize {
    match watcher.call(Watch::Pending).await.unwrap() {
        Answer::Pending(n) => n,
        other => panic!("not a count: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_monitored_server_that_exits_sends_a_down_with_its_reason() {
    let (watcher, mut downs) = watcher().await;
    let target = Target::builder().name("target").start(()).await.unwrap();
    let monitor = monitor(&watcher, Watch::Server(target.clone())).await;
    assert_eq!(target.watcher_count(), 1);
    target.cast(ExitReason::error("broken")).unwrap();
    let down = downs.recv().await.unwrap();
    assert_eq!(
        down,
        Down {
            monitor,
            id: Some(target.id()),
            name: Some("target".into()),
            reason: DownReason::Exited(ExitReason::error("broken")),
        }
    );
    assert_eq!(pending(&watcher).await, 0);
}

#[tokio::test(start_paused = true)]
async fn a_target_already_gone_gives_no_proc_at_once() {
    let (watcher, mut downs) = watcher().await;
    let target = Target::start(()).await.unwrap();
    target.stop(ExitReason::Shutdown).await.unwrap();
    let monitor = monitor(&watcher, Watch::Server(target.clone())).await;
    let down = downs.recv().await.unwrap();
    assert_eq!(down.monitor, monitor);
    assert_eq!(down.reason, DownReason::NoProc);

    // A name nobody holds: the same, with the name.
    let registry = Registry::new();
    let monitor = monitor_name(&watcher, &registry, "nobody").await;
    let down = downs.recv().await.unwrap();
    assert_eq!(
        (down.monitor, down.id, down.reason),
        (monitor, None, DownReason::NoProc)
    );
    assert_eq!(down.name.as_deref(), Some("nobody"));
    assert_eq!(pending(&watcher).await, 0);
}

async fn monitor_name(
    watcher: &ServerRef<Watcher>,
    registry: &Registry,
    name: &'static str,
) -> MonitorRef {
    monitor(watcher, Watch::Name(registry.clone(), name)).await
}

#[tokio::test(start_paused = true)]
async fn a_name_is_resolved_when_the_monitor_is_set() {
    let registry = Registry::new();
    let first = Target::builder()
        .register(&registry, "db")
        .start(())
        .await
        .unwrap();
    let (watcher, mut downs) = watcher().await;
    let monitor = monitor_name(&watcher, &registry, "db").await;
    first.cast(ExitReason::Normal).unwrap();
    let down = downs.recv().await.unwrap();
    assert_eq!(down.monitor, monitor);
    assert_eq!(down.id, Some(first.id()));
    assert_eq!(down.reason, DownReason::Exited(ExitReason::Normal));
    // The next holder of the name is not watched.
    let second = Target::builder()
        .register(&registry, "db")
        .start(())
        .await
        .unwrap();
    assert_eq!(second.watcher_count(), 0);
    second.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(pending(&watcher).await, 0);
    assert!(downs.try_recv().is_err());
}

#[tokio::test(start_paused = true)]
async fn demonitor_removes_the_monitor_and_flushes_news_on_its_way() {
    let (watcher, mut downs) = watcher().await;
    let target = Target::start(()).await.unwrap();
    let first = monitor(&watcher, Watch::Server(target.clone())).await;
    assert_eq!(
        watcher.call(Watch::Demonitor(first)).await,
        Ok(Answer::Demonitored(true))
    );
    assert_eq!(target.watcher_count(), 0);
    assert_eq!(
        watcher.call(Watch::Demonitor(first)).await,
        Ok(Answer::Demonitored(false))
    );

    // The `Down` is queued (the target exited) but not handled when the watcher demonitors:
    // it is dropped when it comes up.
    let second = monitor(&watcher, Watch::Server(target.clone())).await;
    assert_eq!(
        watcher.call(Watch::StopThenDemonitor(target, second)).await,
        Ok(Answer::Demonitored(true))
    );
    assert_eq!(pending(&watcher).await, 0);
    assert!(downs.try_recv().is_err(), "the flushed Down was handled");
}

#[tokio::test(start_paused = true)]
async fn a_watcher_that_exits_takes_its_monitors_out_of_its_targets() {
    let (watcher, _downs) = watcher().await;
    let targets: Vec<_> = futures_targets(3).await;
    for target in &targets {
        monitor(&watcher, Watch::Server(target.clone())).await;
        monitor(&watcher, Watch::Server(target.clone())).await;
    }
    assert!(targets.iter().all(|t| t.watcher_count() == 2));
    watcher.stop(ExitReason::Shutdown).await.unwrap();
    assert!(targets.iter().all(|t| t.watcher_count() == 0));
}

async fn futures_targets(n: usize) -> Vec<ServerRef<Target>> {
    let mut targets = Vec::new();
    for _ in 0..n {
        targets.push(Target::start(()).await.unwrap());
    }
    targets
}

/// A million monitor/demonitor cycles leave nothing on either side (counts, not time).
#[tokio::test(start_paused = true)]
async fn a_million_monitor_demonitor_cycles_leak_nothing() {
    let (watcher, mut downs) = watcher().await;
    let target = Target::start(()).await.unwrap();
    for _ in 0..10 {
        let done = watcher
            .call_timeout(Watch::Cycles(target.clone(), 100_000), Duration::MAX)
            .await;
        assert_eq!(done, Ok(Answer::Done));
        assert_eq!(pending(&watcher).await, 0);
        assert_eq!(target.watcher_count(), 0);
    }
    // And the monitor still works afterwards.
    monitor(&watcher, Watch::Server(target.clone())).await;
    target.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(
        downs.recv().await.map(|d| d.reason),
        Some(DownReason::Exited(ExitReason::Shutdown))
    );
}

#[tokio::test(start_paused = true)]
async fn supervisors_and_task_children_can_be_monitored() {
    let (watcher, mut downs) = watcher().await;
    let sup = SupervisorSpec::new("sup")
        .child(ChildSpec::task("ticker", || async {
            std::future::pending::<()>().await;
        }))
        .start()
        .await
        .unwrap();
    let ticker = ChildHandle::new(sup.clone(), "ticker");
    let on_task = monitor(&watcher, Watch::Child(ticker.clone())).await;
    ticker.terminate().await.unwrap();
    let down = downs.recv().await.unwrap();
    assert_eq!(down.monitor, on_task);
    assert_eq!(down.name.as_deref(), Some("ticker"));
    assert!(matches!(down.reason, DownReason::Exited(_)));

    // A child that is not running: `NoProc` at once.
    let gone = monitor(&watcher, Watch::Child(ticker)).await;
    assert_eq!(
        downs.recv().await.map(|d| (d.monitor, d.reason)),
        Some((gone, DownReason::NoProc))
    );

    // The supervisor itself.
    let on_sup = monitor(&watcher, Watch::Supervisor(sup.clone())).await;
    sup.shutdown().await;
    let down = downs.recv().await.unwrap();
    assert_eq!(down.monitor, on_sup);
    assert_eq!(down.name.as_deref(), Some("sup"));
    assert_eq!(down.reason, DownReason::Exited(ExitReason::Shutdown));
}

#[tokio::test(start_paused = true)]
async fn a_full_bounded_mailbox_still_gets_its_down() {
    let (tx, mut downs) = mpsc::unbounded_channel();
    let watcher = Watcher::builder()
        .bounded_mailbox(NonZeroUsize::MIN)
        .start(tx)
        .await
        .unwrap();
    let target = Target::start(()).await.unwrap();
    monitor(&watcher, Watch::Server(target.clone())).await;
    let busy = tokio::spawn({
        let watcher = watcher.clone();
        async move { watcher.call(Watch::Busy(Duration::from_secs(1))).await }
    });
    tokio::task::yield_now().await;
    watcher.cast(()).unwrap(); // fills the mailbox
    target.stop(ExitReason::Shutdown).await.unwrap();
    busy.await.unwrap().unwrap();
    assert_eq!(
        downs.recv().await.map(|d| d.reason),
        Some(DownReason::Exited(ExitReason::Shutdown))
    );
}
