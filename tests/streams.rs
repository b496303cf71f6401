//! Streams attached through `#[gen_server]`: a server that owns its channel receiver, gets
//! each item and the end at its `#[info]` handler, and drops the receiver when it exits.

use perennial::prelude::*;
use perennial::streams::receiver;
use tokio::sync::mpsc;

enum Event {
    Line(String),
    Closed,
}

struct Collector {
    lines: Vec<String>,
    closed: bool,
}

#[gen_server]
impl Collector {
    fn init(lines: mpsc::Receiver<String>, ctx: &mut Context<Self>) -> Self {
        ctx.attach(receiver(lines), Event::Line, Event::Closed);
        Collector {
            lines: Vec::new(),
            closed: false,
        }
    }

    #[info]
    fn on_event(&mut self, event: Event) {
        match event {
            Event::Line(line) => self.lines.push(line),
            Event::Closed => self.closed = true,
        }
    }

    #[call]
    fn state(&self) -> (Vec<String>, bool) {
        (self.lines.clone(), self.closed)
    }
}

#[tokio::test(start_paused = true)]
async fn a_server_owns_its_receiver() {
    let (tx, rx) = mpsc::channel(4);
    let collector = Collector::start_client(rx).await.unwrap();
    tx.send("a".to_string()).await.unwrap();
    tx.send("b".to_string()).await.unwrap();
    drop(tx);
    loop {
        let (lines, closed) = collector.state().await.unwrap();
        if closed {
            assert_eq!(lines, ["a", "b"]);
            break;
        }
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn the_receiver_goes_with_the_server() {
    let (tx, rx) = mpsc::channel::<String>(4);
    let server = Collector::start(rx).await.unwrap();
    assert!(!tx.is_closed());
    server.stop(ExitReason::Shutdown).await.unwrap();
    assert!(tx.is_closed());
}
