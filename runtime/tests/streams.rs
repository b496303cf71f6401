//! Streams attached to a server: items as infos in order, one end info, detach, taking turns
//! with the mailbox, read only between messages, and dropped with the server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use perennial_runtime::streams::{receiver, unbounded_receiver};
use perennial_runtime::{Context, ExitReason, GenServer, ServerRef, StreamRef};
use tokio::sync::mpsc;

const S: Duration = Duration::from_secs(1);

type Seen = Arc<Mutex<Vec<String>>>;

struct Reader {
    seen: Seen,
}

#[derive(Debug)]
enum Info {
    Item(&'static str, u32),
    End(&'static str),
    Tick,
}

enum Call {
    Attach(&'static str, mpsc::Receiver<u32>),
    Detach(StreamRef),
    Busy(Duration),
    TickIn(Duration),
    Attached,
}

#[derive(Debug, PartialEq)]
enum Reply {
    Attached(StreamRef),
    Detached(bool),
    Count(usize),
    Done,
}

impl GenServer for Reader {
    type Args = (Seen, Option<mpsc::UnboundedReceiver<u32>>);
    type Call = Call;
    type Reply = Reply;
    type Cast = &'static str;
    type Info = Info;
    type Continue = std::convert::Infallible;
    type Error = std::convert::Infallible;

    async fn init(
        (seen, first): Self::Args,
        ctx: &mut Context<Self>,
    ) -> Result<Self, std::convert::Infallible> {
        if let Some(rx) = first {
            ctx.attach(
                unbounded_receiver(rx),
                |n| Info::Item("init", n),
                Info::End("init"),
            );
        }
        Ok(Reader { seen })
    }

    async fn handle_call(&mut self, call: Call, ctx: &mut Context<Self>) -> Reply {
        match call {
            Call::Attach(name, rx) => Reply::Attached(ctx.attach(
                receiver(rx),
                move |n| Info::Item(name, n),
                Info::End(name),
            )),
            Call::Detach(stream) => Reply::Detached(ctx.detach(stream)),
            Call::Busy(d) => {
                tokio::time::sleep(d).await;
                Reply::Done
            }
            Call::TickIn(d) => {
                ctx.send_after(d, Info::Tick);
                Reply::Done
            }
            Call::Attached => Reply::Count(ctx.streams_attached()),
        }
    }

    async fn handle_cast(&mut self, name: &'static str, _: &mut Context<Self>) {
        self.seen.lock().unwrap().push(format!("cast {name}"));
    }

    async fn handle_info(&mut self, info: Info, _: &mut Context<Self>) {
        self.seen.lock().unwrap().push(match info {
            Info::Item(name, n) => format!("{name} {n}"),
            Info::End(name) => format!("{name} ended"),
            Info::Tick => "tick".into(),
        });
    }
}

async fn start() -> (ServerRef<Reader>, Seen) {
    let seen = Seen::default();
    (Reader::start((seen.clone(), None)).await.unwrap(), seen)
}

fn take(seen: &Seen) -> Vec<String> {
    std::mem::take(&mut seen.lock().unwrap())
}

async fn attach(
    server: &ServerRef<Reader>,
    name: &'static str,
    rx: mpsc::Receiver<u32>,
) -> StreamRef {
    match server.call(Call::Attach(name, rx)).await.unwrap() {
        Reply::Attached(s) => s,
        other => panic!("{other:?}"),
    }
}

async fn attached(server: &ServerRef<Reader>) -> usize {
    match server.call(Call::Attached).await.unwrap() {
        Reply::Count(n) => n,
        other => panic!("{other:?}"),
    }
}

/// Lets the server read everything ready: a busy call of zero time, twice (the stream is read
/// while the server waits, between the two).
async fn settle(server: &ServerRef<Reader>) {
    for _ in 0..3 {
        tokio::task::yield_now().await;
        server.call(Call::Busy(Duration::ZERO)).await.unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn items_arrive_in_order_then_one_end() {
    let (server, seen) = start().await;
    let (tx, rx) = mpsc::channel(8);
    attach(&server, "a", rx).await;
    for n in 1..=3 {
        tx.send(n).await.unwrap();
    }
    drop(tx);
    settle(&server).await;
    assert_eq!(take(&seen), ["a 1", "a 2", "a 3", "a ended"]);
    assert_eq!(attached(&server).await, 0);
    settle(&server).await;
    assert_eq!(take(&seen), Vec::<String>::new(), "one end, once");
}

#[tokio::test(start_paused = true)]
async fn a_stream_attached_in_init_is_read_from_the_start() {
    let seen = Seen::default();
    let (tx, rx) = mpsc::unbounded_channel();
    tx.send(7).unwrap();
    let server = Reader::start((seen.clone(), Some(rx))).await.unwrap();
    drop(tx);
    settle(&server).await;
    assert_eq!(take(&seen), ["init 7", "init ended"]);
}

#[tokio::test(start_paused = true)]
async fn a_detached_stream_sends_nothing_more_and_no_end() {
    let (server, seen) = start().await;
    let (tx, rx) = mpsc::channel(8);
    let stream = attach(&server, "a", rx).await;
    tx.send(1).await.unwrap();
    settle(&server).await;
    assert_eq!(
        server.call(Call::Detach(stream)).await,
        Ok(Reply::Detached(true))
    );
    assert!(tx.is_closed(), "the receiver was dropped");
    assert_eq!(
        server.call(Call::Detach(stream)).await,
        Ok(Reply::Detached(false))
    );
    settle(&server).await;
    assert_eq!(take(&seen), ["a 1"]);
}

#[tokio::test(start_paused = true)]
async fn the_mailbox_and_the_streams_take_turns() {
    let (server, seen) = start().await;
    let (tx, rx) = mpsc::channel(8);
    attach(&server, "s", rx).await;
    // While the server is busy, three casts and three items wait.
    let busy = tokio::spawn({
        let server = server.clone();
        async move { server.call(Call::Busy(S)).await }
    });
    tokio::task::yield_now().await;
    for n in 1..=3 {
        tx.send(n).await.unwrap();
    }
    for name in ["x", "y", "z"] {
        server.cast(name).unwrap();
    }
    busy.await.unwrap().unwrap();
    settle(&server).await;
    let seen = take(&seen);
    // One from each in turn: neither waits for the other to run dry. (The stream goes first
    // here: the last thing the server took was mail, the busy call.)
    assert_eq!(seen, ["s 1", "cast x", "s 2", "cast y", "s 3", "cast z"]);
}

#[tokio::test(start_paused = true)]
async fn a_busy_server_does_not_read_its_stream() {
    let (server, seen) = start().await;
    let (tx, rx) = mpsc::channel(1);
    attach(&server, "a", rx).await;
    let busy = tokio::spawn({
        let server = server.clone();
        async move { server.call(Call::Busy(S)).await }
    });
    tokio::task::yield_now().await;
    tx.try_send(1).unwrap();
    // The channel's one place is taken: the busy server has not read it.
    assert!(tx.try_send(2).is_err());
    busy.await.unwrap().unwrap();
    settle(&server).await;
    tx.try_send(2).unwrap();
    settle(&server).await;
    assert_eq!(take(&seen), ["a 1", "a 2"]);
}

#[tokio::test(start_paused = true)]
async fn streams_and_timers_work_together() {
    let (server, seen) = start().await;
    let (tx, rx) = mpsc::channel(8);
    attach(&server, "a", rx).await;
    server.call(Call::TickIn(S)).await.unwrap();
    tx.send(1).await.unwrap();
    settle(&server).await;
    tokio::time::sleep(2 * S).await;
    tx.send(2).await.unwrap();
    settle(&server).await;
    assert_eq!(take(&seen), ["a 1", "tick", "a 2"]);
}

#[tokio::test(start_paused = true)]
async fn streams_are_dropped_with_the_server_and_no_task_reads_them() {
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = tasks();
    let (server, _seen) = start().await;
    let mut senders = Vec::new();
    for _ in 0..100 {
        let (tx, rx) = mpsc::channel(1);
        attach(&server, "many", rx).await;
        senders.push(tx);
    }
    assert_eq!(attached(&server).await, 100);
    assert_eq!(tasks(), before + 1, "the server's own task, no other");
    assert!(senders.iter().all(|tx| !tx.is_closed()));
    server.stop(ExitReason::Shutdown).await.unwrap();
    assert!(
        senders.iter().all(|tx| tx.is_closed()),
        "every stream went with the server"
    );
    assert_eq!(tasks(), before);
}
