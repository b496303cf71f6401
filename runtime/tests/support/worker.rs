//! A worker for supervisor tests: it writes its lifecycle to a shared, ordered log and can be
//! told to crash, stop, stall, or fail its next inits.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use perennial_runtime::supervisor::ChildSpec;
use perennial_runtime::{Context, ExitReason, GenServer};

/// The ordered lifecycle log of every worker of a test.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, entry: String) {
        self.0.lock().unwrap().push(entry);
    }

    /// Everything logged so far, and clears it.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

#[derive(Clone)]
pub struct WorkerArgs {
    pub name: &'static str,
    pub log: Log,
    /// How many of the next inits fail.
    pub failing_inits: Arc<AtomicU32>,
}

impl WorkerArgs {
    pub fn new(name: &'static str, log: &Log) -> Self {
        WorkerArgs {
            name,
            log: log.clone(),
            failing_inits: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Makes the next `n` inits fail.
    pub fn fail_next_inits(&self, n: u32) {
        self.failing_inits.store(n, Ordering::SeqCst);
    }
}

pub struct Worker {
    args: WorkerArgs,
    panic_in_terminate: bool,
}

#[derive(Debug)]
pub struct InitRefused(&'static str);
impl std::fmt::Display for InitRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} refused to init", self.0)
    }
}
impl std::error::Error for InitRefused {}

pub enum WCall {
    /// Answers its own name.
    Name,
}

pub enum WCast {
    Panic,
    Stop(ExitReason),
    /// Busy (on tokio's clock) for this long: misses pings meanwhile.
    Stall(Duration),
    PanicInTerminate,
}

impl GenServer for Worker {
    type Args = WorkerArgs;
    type Call = WCall;
    type Reply = &'static str;
    type Cast = WCast;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = InitRefused;

    async fn init(args: WorkerArgs, _ctx: &mut Context<Self>) -> Result<Self, InitRefused> {
        let failing = args
            .failing_inits
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            args.log.push(format!("init {} failed", args.name));
            return Err(InitRefused(args.name));
        }
        args.log.push(format!("init {}", args.name));
        Ok(Worker {
            args,
            panic_in_terminate: false,
        })
    }

    async fn handle_call(&mut self, _call: WCall, _ctx: &mut Context<Self>) -> &'static str {
        self.args.name
    }

    async fn handle_cast(&mut self, cast: WCast, ctx: &mut Context<Self>) {
        match cast {
            WCast::Panic => panic!("{} crashed", self.args.name),
            WCast::Stop(reason) => ctx.stop(reason),
            WCast::Stall(d) => tokio::time::sleep(d).await,
            WCast::PanicInTerminate => self.panic_in_terminate = true,
        }
    }

    async fn terminate(&mut self, reason: &ExitReason) {
        self.args
            .log
            .push(format!("terminate {}: {reason}", self.args.name));
        if self.panic_in_terminate {
            panic!("{} failed to clean up", self.args.name);
        }
    }
}

/// A worker child spec with health checks off (tests of health turn them on).
pub fn worker(args: &WorkerArgs) -> ChildSpec {
    ChildSpec::server::<Worker>(args.name, args.clone()).health(None)
}
