//! What the runtime's tests share, one home for each (`mod support;` in a test file):
//!
//! - [`Probe`] (here): a server whose callbacks report what happens to them, so tests can await
//!   facts instead of sleeping; [`Mute`] (here), which never answers; [`Other`], the idle
//!   server (also the unit tests').
//! - [`worker`]: the supervisor tests' worker and its ordered [`worker::Log`].
//! - [`recorder`]: a `tracing` subscriber that records every event.
//! - [`starved`]: a wait run with its task's coop budget spent (also the unit tests').
//! - `fw.rs`: the model and fault tests' fault worker, with its log stamped with the paused
//!   clock, and `panics.rs`, which keeps their deliberate panics off stderr. Those tests
//!   include them by path (`#[path = "support/fw.rs"] mod fw;`), so that the worker's type keeps
//!   the path (`bad_input::fw::Fw`) their assertions read.
//!
//! The three servers that log (the probe, the worker and the fault worker) log in the shapes
//! their tests assert on: a stream of lines to await, a shared list of lines, and timestamped
//! lines a model predicts.
#![allow(dead_code)]

use std::convert::Infallible;
use std::fmt;
use std::future::pending;
use std::time::Duration;

use perennial_runtime::{CallError, Context, ExitReason, GenServer};

mod other;
pub mod recorder;
pub mod starved;
pub mod worker;

#[allow(unused_imports, reason = "each test crate takes what it needs")]
pub use other::Other;
use tokio::sync::mpsc;

/// What the probe reports.
pub type Events = mpsc::UnboundedReceiver<String>;

/// A server whose callbacks report what happens to them (see [`args`], [`next`], [`until`]).
pub struct Probe {
    events: mpsc::UnboundedSender<String>,
    total: u64,
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.events.send("dropped".into());
    }
}

#[derive(Debug, Clone)]
pub struct InitFailed(pub &'static str);
impl fmt::Display for InitFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "init refused: {}", self.0)
    }
}
impl std::error::Error for InitFailed {}

pub enum Init {
    Ok,
    Fail,
    Panic,
    Hang,
    Stop,
    /// Succeeds and asks for a continue chain of this length.
    Continue(u32),
}

pub struct Args {
    pub events: mpsc::UnboundedSender<String>,
    pub init: Init,
}

pub enum Call {
    Echo(u64),
    Total,
    /// Reports "handling", then sleeps (on tokio's clock) and replies.
    Sleep(Duration),
    /// Reports "handling", then never replies.
    Hang,
    Panic(&'static str),
    StopAfterReply(ExitReason),
    Myself,
    PingSelf,
}

pub enum Cast {
    Add(u64),
    Panic(&'static str),
    Stop(ExitReason),
    /// Reports "handling", then sleeps.
    Sleep(Duration),
    /// Makes terminate panic.
    ArmTerminatePanic,
}

pub enum Info {
    Note(&'static str),
}

pub enum Cont {
    Step(u32),
}

impl GenServer for Probe {
    type Args = Args;
    type Call = Call;
    type Reply = Result<u64, CallError>;
    type Cast = Cast;
    type Info = Info;
    type Continue = Cont;
    type Error = InitFailed;

    async fn init(args: Args, ctx: &mut Context<Self>) -> Result<Self, InitFailed> {
        let _ = args.events.send("init".into());
        let probe = Probe {
            events: args.events,
            total: 0,
        };
        match args.init {
            Init::Ok => Ok(probe),
            Init::Fail => Err(InitFailed("bad config")),
            Init::Panic => panic!("init exploded"),
            Init::Hang => pending().await,
            Init::Stop => {
                ctx.stop(ExitReason::error("not today"));
                Ok(probe)
            }
            Init::Continue(n) => {
                ctx.continue_with(Cont::Step(n));
                Ok(probe)
            }
        }
    }

    async fn handle_call(&mut self, call: Call, ctx: &mut Context<Self>) -> Result<u64, CallError> {
        match call {
            Call::Echo(n) => Ok(n),
            Call::Total => Ok(self.total),
            Call::Sleep(d) => {
                self.report("handling");
                tokio::time::sleep(d).await;
                Ok(d.as_secs())
            }
            Call::Hang => {
                self.report("handling");
                pending().await
            }
            Call::Panic(msg) => panic!("{msg}"),
            Call::StopAfterReply(reason) => {
                ctx.stop(reason);
                Ok(1)
            }
            Call::Myself => ctx.myself().call(Call::Total).await?,
            Call::PingSelf => ctx.myself().ping().await.map(|()| 0),
        }
    }

    async fn handle_cast(&mut self, cast: Cast, ctx: &mut Context<Self>) {
        match cast {
            Cast::Add(n) => {
                self.total += n;
                self.report(&format!("add {n}"));
            }
            Cast::Panic(msg) => panic!("{msg}"),
            Cast::Stop(reason) => ctx.stop(reason),
            Cast::Sleep(d) => {
                self.report("handling");
                tokio::time::sleep(d).await;
            }
            Cast::ArmTerminatePanic => self.total = u64::MAX,
        }
    }

    async fn handle_info(&mut self, info: Info, _ctx: &mut Context<Self>) {
        let Info::Note(note) = info;
        self.report(&format!("info {note}"));
    }

    async fn handle_continue(&mut self, cont: Cont, ctx: &mut Context<Self>) {
        let Cont::Step(n) = cont;
        self.report(&format!("continue {n}"));
        if n > 1 {
            ctx.continue_with(Cont::Step(n - 1));
        }
    }

    async fn terminate(&mut self, reason: &ExitReason) {
        self.report(&format!("terminate {reason}"));
        if self.total == u64::MAX {
            panic!("terminate exploded");
        }
    }
}

impl Probe {
    fn report(&self, event: &str) {
        let _ = self.events.send(event.to_string());
    }
}

pub fn args(init: Init) -> (Args, Events) {
    let (events, rx) = mpsc::unbounded_channel();
    (Args { events, init }, rx)
}

/// The next event, failing the test if the probe has gone quiet.
pub async fn next(events: &mut Events) -> String {
    match tokio::time::timeout(Duration::from_secs(3600), events.recv()).await {
        Ok(Some(e)) => e,
        Ok(None) => panic!("the probe's event channel closed"),
        Err(_) => panic!("no event within an hour of (paused) time"),
    }
}

/// Waits for `event`, returning the events seen before it.
pub async fn until(events: &mut Events, event: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let e = next(events).await;
        if e == event {
            return seen;
        }
        seen.push(e);
    }
}

/// Everything reported so far, without waiting.
pub fn drain(events: &mut Events) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok(e) = events.try_recv() {
        out.push(e);
    }
    out
}

/// Takes calls and casts and never answers or finishes one.
pub struct Mute;

impl GenServer for Mute {
    type Args = ();
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Mute)
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {
        pending().await
    }

    async fn handle_cast(&mut self, _: (), _: &mut Context<Self>) {
        pending().await
    }
}
