//! Monitors through `#[gen_server]`: `ctx.monitor(..)` on clients, names and children of a
//! tree, and a `#[down]` handler that gets the news.

use perennial::prelude::*;
use perennial::supervision_tree;
use perennial::supervisor::{ChildHandle, Event};
use perennial::{Down, DownReason, MonitorRef};

struct Worker;

#[gen_server]
impl Worker {
    fn init() -> Self {
        Worker
    }

    #[cast]
    fn crash(&mut self) {
        panic!("worker crashed");
    }
}

/// Watches whatever it is told to, and keeps the news.
struct Watchdog {
    downs: Vec<Down>,
}

#[gen_server]
impl Watchdog {
    fn init() -> Self {
        Watchdog { downs: Vec::new() }
    }

    #[call]
    fn watch(&mut self, worker: WorkerClient, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&worker)
    }

    #[call]
    fn watch_name(
        &mut self,
        registry: Registry,
        name: String,
        ctx: &mut Context<Self>,
    ) -> MonitorRef {
        ctx.monitor_name(&registry, &name)
    }

    #[call]
    async fn watch_child(&mut self, child: ChildHandle, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor_child(&child).await
    }

    #[call]
    fn forget(&mut self, monitor: MonitorRef, ctx: &mut Context<Self>) -> bool {
        ctx.demonitor(monitor)
    }

    #[down]
    fn on_down(&mut self, down: Down) {
        self.downs.push(down);
    }

    #[call]
    fn downs(&mut self) -> Vec<(Option<String>, DownReason)> {
        self.downs
            .drain(..)
            .map(|d| (d.name.map(|n| n.to_string()), d.reason))
            .collect()
    }
}

fn ticker() -> impl std::future::Future<Output = ()> + Send {
    std::future::pending()
}

#[tokio::test(start_paused = true)]
async fn a_watchdog_hears_of_every_exit_in_a_tree() -> Result<(), Box<dyn std::error::Error>> {
    let app = supervision_tree! {
        app: supervisor {
            worker: Worker,
            ticker: task(ticker),
        }
    }
    .start()
    .await?;
    let dog = Watchdog::start_client().await?;
    let mut events = app.subscribe();

    // A typed client of the tree follows the name: the monitor watches today's holder.
    dog.watch(app.worker.clone()).await?;
    dog.watch_child(app.ticker.clone()).await?;
    app.worker.crash()?;
    while !matches!(events.next().await, Some(Event::Restarted { .. })) {}
    app.ticker.terminate().await?;
    let downs = dog.downs().await?;
    assert_eq!(downs.len(), 2, "{downs:?}");
    assert_eq!(downs[0].0.as_deref(), Some("worker"));
    assert!(
        matches!(&downs[0].1, DownReason::Exited(ExitReason::Panic(m)) if &**m == "worker crashed")
    );
    assert_eq!(downs[1].0.as_deref(), Some("ticker"));

    // The restarted worker is not watched by the old monitor; a new one watches it.
    let again = dog
        .watch_name(app.registry().clone(), "worker".into())
        .await?;
    assert!(dog.forget(again).await?);
    let gone = dog
        .watch_name(app.registry().clone(), "nobody".into())
        .await?;
    let downs = dog.downs().await?;
    assert_eq!(downs, [(Some("nobody".to_string()), DownReason::NoProc)]);
    assert!(!dog.forget(gone).await?);
    app.shutdown().await;
    Ok(())
}
