// A #[down] handler: the news by value, with or without the context, sync or async; monitors
// set from init and handlers on every kind of target.
use perennial::gen_server;
use perennial::prelude::*;
use perennial::supervisor::ChildHandle;
use perennial::{Down, DownReason, MonitorRef};

pub struct Watcher {
    seen: Vec<DownReason>,
    on: Option<MonitorRef>,
}

#[gen_server]
impl Watcher {
    fn init(target: ServerRef<Watcher>, ctx: &mut Context<Self>) -> Self {
        let on = Some(ctx.monitor(&target));
        Watcher { seen: Vec::new(), on }
    }

    #[down]
    async fn on_down(&mut self, ctx: &mut Context<Self>, down: Down) {
        if Some(down.monitor) == self.on {
            self.on = None;
        }
        let _ = ctx.name();
        self.seen.push(down.reason);
    }

    #[call]
    async fn watch(&mut self, client: WatcherClient, child: ChildHandle, registry: Registry, ctx: &mut Context<Self>) -> bool {
        ctx.monitor(&client);
        ctx.monitor_name(&registry, "x");
        let m = ctx.monitor_child(&child).await;
        ctx.demonitor(m)
    }
}

fn main() {}
