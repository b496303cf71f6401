//! The fault worker: a gen_server that can be told to panic, return an error, exit normally,
//! hang, refuse or decline (ignore) its next inits, or panic in `terminate`, and that writes its lifecycle to a
//! shared log stamped with tokio's (paused) clock.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use perennial_runtime::{Context, ExitReason, GenServer, InitError, ProcessId};
use tokio::time::Instant;

// Beside this file (a path attribute in a file included by path is relative to its directory).
#[path = "panics.rs"]
mod panics;
pub use panics::quiet_deliberate_panics;

/// What a fault worker logged: when (ms since the log was made), who, what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub at: u64,
    pub who: Arc<str>,
    pub what: String,
}

/// The ordered, timestamped lifecycle log of every fault worker of one run.
#[derive(Clone)]
pub struct Log {
    entries: Arc<Mutex<Vec<Entry>>>,
    t0: Instant,
}

impl Log {
    /// A log whose clock starts now (make it inside the runtime, before anything starts).
    pub fn new() -> Self {
        Log {
            entries: Arc::default(),
            t0: Instant::now(),
        }
    }

    /// Milliseconds since the log was made.
    pub fn now(&self) -> u64 {
        ms(self.t0.elapsed())
    }

    /// The instant `at` ms after the log was made.
    pub fn at(&self, at: u64) -> Instant {
        self.t0 + Duration::from_millis(at)
    }

    pub fn push(&self, who: &Arc<str>, what: String) {
        let at = self.now();
        self.entries.lock().unwrap().push(Entry {
            at,
            who: who.clone(),
            what,
        });
    }

    /// Everything logged so far, and clears it.
    pub fn take(&self) -> Vec<Entry> {
        std::mem::take(&mut self.entries.lock().unwrap())
    }
}

pub fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[derive(Clone)]
pub struct FwArgs {
    pub name: Arc<str>,
    pub log: Log,
    /// How many of the next inits fail (shared by all incarnations).
    pub failing_inits: Arc<AtomicU32>,
    /// How many of the next inits panic.
    pub panicking_inits: Arc<AtomicU32>,
    /// How many of the next inits never return.
    pub hanging_inits: Arc<AtomicU32>,
    /// How many of the next inits decline to start (OTP's `ignore`).
    pub ignoring_inits: Arc<AtomicU32>,
}

impl FwArgs {
    pub fn new(name: &str, log: &Log) -> Self {
        FwArgs {
            name: name.into(),
            log: log.clone(),
            failing_inits: Arc::default(),
            panicking_inits: Arc::default(),
            hanging_inits: Arc::default(),
            ignoring_inits: Arc::default(),
        }
    }
}

/// Takes one from a counter of "the next n inits", if it is not zero.
fn take_one(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

pub struct Fw {
    args: FwArgs,
    armed: bool,
    id: ProcessId,
}

#[derive(Debug)]
pub struct Refused(pub Arc<str>);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} refused to init", self.0)
    }
}

impl std::error::Error for Refused {}

pub enum FwCall {
    /// Answers the incarnation's id.
    Id,
    /// Sleeps (on tokio's clock) for this long, then answers the id.
    SlowId(Duration),
}

pub enum FwCast {
    /// Panics with `fault: <name> crashed`.
    Panic,
    /// Stops with this reason.
    Stop(ExitReason),
    /// Busy (on tokio's clock) for this long: takes no message, answers no ping.
    Stall(Duration),
    /// Makes `terminate` panic with `fault: <name> failed to clean up`.
    ArmTerminatePanic,
}

impl GenServer for Fw {
    type Args = FwArgs;
    type Call = FwCall;
    type Reply = ProcessId;
    type Cast = FwCast;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;
    type Error = InitError<Refused>;

    async fn init(args: FwArgs, ctx: &mut Context<Self>) -> Result<Self, InitError<Refused>> {
        if take_one(&args.panicking_inits) {
            args.log.push(&args.name, "init panics".into());
            panic!("fault: {} panicked in init", args.name);
        }
        if take_one(&args.hanging_inits) {
            args.log.push(&args.name, "init hangs".into());
            std::future::pending::<()>().await;
        }
        if take_one(&args.ignoring_inits) {
            args.log.push(&args.name, "init ignored".into());
            return Err(InitError::Ignore);
        }
        if take_one(&args.failing_inits) {
            args.log.push(&args.name, "init failed".into());
            return Err(Refused(args.name).into());
        }
        args.log.push(&args.name, "init".into());
        Ok(Fw {
            args,
            armed: false,
            id: ctx.myself().id(),
        })
    }

    fn is_ignore(error: &Self::Error) -> bool {
        error.is_ignore()
    }

    async fn handle_call(&mut self, call: FwCall, _ctx: &mut Context<Self>) -> ProcessId {
        match call {
            FwCall::Id => self.id,
            FwCall::SlowId(d) => {
                tokio::time::sleep(d).await;
                self.id
            }
        }
    }

    async fn handle_cast(&mut self, cast: FwCast, ctx: &mut Context<Self>) {
        match cast {
            FwCast::Panic => panic!("fault: {} crashed", self.args.name),
            FwCast::Stop(reason) => ctx.stop(reason),
            FwCast::Stall(d) => tokio::time::sleep(d).await,
            FwCast::ArmTerminatePanic => self.armed = true,
        }
    }

    async fn terminate(&mut self, reason: &ExitReason) {
        self.args
            .log
            .push(&self.args.name, format!("terminate: {reason}"));
        if self.armed {
            panic!("fault: {} failed to clean up", self.args.name);
        }
    }
}
