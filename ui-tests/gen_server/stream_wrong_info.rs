// An attached stream's items become the server's infos: `wrap` must make the `#[info]`
// handler's type, and so must the end.
use perennial::gen_server;
use perennial::prelude::*;
use perennial::streams::receiver;
use tokio::sync::mpsc;

enum Event {
    Line(String),
    Closed,
}

struct Collector;

#[gen_server]
impl Collector {
    fn init(lines: mpsc::Receiver<u32>, ctx: &mut Context<Self>) -> Self {
        ctx.attach(receiver(lines), Event::Line, "closed");
        Collector
    }

    #[info]
    fn on_event(&mut self, event: Event) {
        let _ = event;
    }
}

fn main() {
    let _ = Event::Closed;
}
