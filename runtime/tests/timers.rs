//! A server's timers on tokio's paused clock: `send_after`, `send_interval`, cancelling, the
//! idle timeout, their order in the mailbox, and their end with the server.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use perennial_runtime::{CallError, Context, ExitReason, GenServer, ServerRef, TimerRef};
use tokio::time::Instant;

const S: Duration = Duration::from_secs(1);

/// What the server saw, with when (whole seconds since the test began).
type Seen = Arc<Mutex<Vec<(u64, String)>>>;

struct Clock {
    seen: Seen,
    t0: Instant,
    /// Re-arm the idle timeout in every handler.
    keep_idle: Option<Duration>,
}

#[derive(Clone, Debug)]
enum Info {
    Tick(&'static str),
    Idle,
}

enum Call {
    After(Duration, &'static str),
    Every(Duration, &'static str),
    Cancel(TimerRef),
    Idle(Duration),
    KeepIdle(Duration),
    Busy(Duration),
    Pending,
}

enum Reply {
    Timer(TimerRef),
    Cancelled(bool),
    Count(usize),
    Done,
}

impl GenServer for Clock {
    type Args = Seen;
    type Call = Call;
    type Reply = Reply;
    type Cast = &'static str;
    type Info = Info;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(seen: Seen, ctx: &mut Context<Self>) -> Result<Self, Infallible> {
        ctx.send_after(S / 2, Info::Tick("from init"));
        Ok(Clock {
            seen,
            t0: Instant::now(),
            keep_idle: None,
        })
    }

    async fn handle_call(&mut self, call: Call, ctx: &mut Context<Self>) -> Reply {
        let reply = match call {
            Call::After(d, name) => Reply::Timer(ctx.send_after(d, Info::Tick(name))),
            Call::Every(d, name) => Reply::Timer(ctx.send_interval(d, Info::Tick(name))),
            Call::Cancel(t) => Reply::Cancelled(ctx.cancel_timer(t)),
            Call::Idle(d) => {
                ctx.idle_timeout(d, Info::Idle);
                Reply::Done
            }
            Call::KeepIdle(d) => {
                self.keep_idle = Some(d);
                Reply::Done
            }
            Call::Busy(d) => {
                tokio::time::sleep(d).await;
                Reply::Done
            }
            Call::Pending => Reply::Count(ctx.timers_pending()),
        };
        self.rearm(ctx);
        reply
    }

    async fn handle_cast(&mut self, name: &'static str, ctx: &mut Context<Self>) {
        self.note(format!("cast {name}"));
        self.rearm(ctx);
    }

    async fn handle_info(&mut self, info: Info, ctx: &mut Context<Self>) {
        self.note(match info {
            Info::Tick(name) => format!("tick {name}"),
            Info::Idle => "idle".into(),
        });
        self.rearm(ctx);
    }
}

impl Clock {
    fn note(&self, what: String) {
        let at = self.t0.elapsed().as_millis() as u64;
        self.seen.lock().unwrap().push((at, what));
    }

    fn rearm(&self, ctx: &mut Context<Self>) {
        if let Some(d) = self.keep_idle {
            ctx.idle_timeout(d, Info::Idle);
        }
    }
}

async fn start() -> (ServerRef<Clock>, Seen) {
    let seen = Seen::default();
    let clock = Clock::start(seen.clone()).await.unwrap();
    (clock, seen)
}

fn seen(seen: &Seen) -> Vec<(u64, String)> {
    std::mem::take(&mut seen.lock().unwrap())
}

fn ms(at: u64, what: &str) -> (u64, String) {
    (at, what.to_string())
}

async fn call(clock: &ServerRef<Clock>, call: Call) -> Reply {
    clock
        .call_timeout(call, Duration::from_secs(3600))
        .await
        .unwrap()
}

async fn timer(clock: &ServerRef<Clock>, c: Call) -> TimerRef {
    match call(clock, c).await {
        Reply::Timer(t) => t,
        _ => panic!("not a timer"),
    }
}

async fn pending(clock: &ServerRef<Clock>) -> usize {
    match call(clock, Call::Pending).await {
        Reply::Count(n) => n,
        _ => panic!("not a count"),
    }
}

/// Waits (on the paused clock, which jumps) until the server has handled everything due by
/// `at` seconds from now: a call queued behind it at that instant.
async fn until(clock: &ServerRef<Clock>, at: Duration) {
    tokio::time::sleep(at).await;
    pending(clock).await;
}

#[tokio::test(start_paused = true)]
async fn send_after_delivers_once_at_its_deadline_and_init_may_set_timers() {
    let (clock, log) = start().await;
    timer(&clock, Call::After(2 * S, "two")).await;
    timer(&clock, Call::After(S, "one")).await;
    until(&clock, 5 * S).await;
    assert_eq!(
        seen(&log),
        [
            ms(500, "tick from init"),
            ms(1000, "tick one"),
            ms(2000, "tick two")
        ]
    );
    assert_eq!(pending(&clock).await, 0);
}

#[tokio::test(start_paused = true)]
async fn send_interval_ticks_every_period_until_cancelled() {
    let (clock, log) = start().await;
    let every = timer(&clock, Call::Every(S, "beat")).await;
    until(&clock, 3 * S + S / 10).await;
    assert!(matches!(
        call(&clock, Call::Cancel(every)).await,
        Reply::Cancelled(true)
    ));
    assert!(matches!(
        call(&clock, Call::Cancel(every)).await,
        Reply::Cancelled(false)
    ));
    until(&clock, 5 * S).await;
    assert_eq!(
        seen(&log),
        [
            ms(500, "tick from init"),
            ms(1000, "tick beat"),
            ms(2000, "tick beat"),
            ms(3000, "tick beat"),
        ]
    );
    assert_eq!(pending(&clock).await, 0);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_timer_never_fires() {
    let (clock, log) = start().await;
    let t = timer(&clock, Call::After(2 * S, "cancelled")).await;
    timer(&clock, Call::After(3 * S, "kept")).await;
    assert!(matches!(
        call(&clock, Call::Cancel(t)).await,
        Reply::Cancelled(true)
    ));
    until(&clock, 5 * S).await;
    assert_eq!(
        seen(&log),
        [ms(500, "tick from init"), ms(3000, "tick kept")]
    );
    // A fired timer cannot be cancelled any more.
    assert!(matches!(
        call(&clock, Call::Cancel(t)).await,
        Reply::Cancelled(false)
    ));
}

#[tokio::test(start_paused = true)]
async fn a_due_timer_queues_behind_the_messages_sent_before_its_deadline() {
    let (clock, log) = start().await;
    until(&clock, S).await;
    seen(&log);
    timer(&clock, Call::After(2 * S, "due")).await;
    // Busy from 1 s to 5 s; a cast sent at 2 s (before the deadline at 3 s) waits in the
    // mailbox and is handled first, then the timer, then a cast sent once the server is idle.
    let busy = tokio::spawn({
        let clock = clock.clone();
        async move { call(&clock, Call::Busy(4 * S)).await }
    });
    tokio::time::sleep(S).await;
    clock.cast("before").unwrap();
    busy.await.unwrap();
    pending(&clock).await;
    clock.cast("after").unwrap();
    until(&clock, S).await;
    assert_eq!(
        seen(&log),
        [
            ms(5000, "cast before"),
            ms(5000, "tick due"),
            ms(5000, "cast after")
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_interval_skips_the_ticks_of_a_busy_server() {
    let (clock, log) = start().await;
    until(&clock, S).await;
    seen(&log);
    timer(&clock, Call::Every(S, "beat")).await; // 2 s, 3 s, ...
    call(&clock, Call::Busy(S * 7 / 2)).await; // busy until 4.5 s
    until(&clock, 2 * S).await; // to 6.5 s
    assert_eq!(
        seen(&log),
        [
            ms(4500, "tick beat"),
            ms(5000, "tick beat"),
            ms(6000, "tick beat")
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn the_idle_timeout_fires_after_quiet_and_any_message_cancels_it() {
    let (clock, log) = start().await;
    until(&clock, S).await;
    seen(&log);
    // Set for the wait after this call only: fires at 3 s.
    call(&clock, Call::Idle(2 * S)).await;
    until(&clock, 3 * S).await;
    assert_eq!(seen(&log), [ms(3000, "idle")]);

    // Cancelled by a message 1 s in; not set again, so it never fires.
    call(&clock, Call::Idle(2 * S)).await;
    tokio::time::sleep(S).await;
    clock.cast("in time").unwrap();
    until(&clock, 10 * S).await;
    assert_eq!(seen(&log), [ms(5000, "cast in time")]);
    assert_eq!(pending(&clock).await, 0);
}

#[tokio::test(start_paused = true)]
async fn an_idle_timeout_set_again_by_every_handler_fires_after_each_quiet_spell() {
    let (clock, log) = start().await;
    call(&clock, Call::KeepIdle(2 * S)).await; // from 0 s
    tokio::time::sleep(S).await;
    clock.cast("a").unwrap(); // 1 s: quiet until 3 s
    until(&clock, 4 * S + S / 2).await; // to 5.5 s: idle at 3 s and 5 s
    assert_eq!(
        seen(&log),
        [
            ms(500, "tick from init"),
            ms(1000, "cast a"),
            ms(3000, "idle"),
            ms(5000, "idle"),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn timers_end_with_the_server_and_no_task_runs_for_them() {
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = tasks();
    let (clock, log) = start().await;
    for i in 0..1000 {
        timer(&clock, Call::After(S * (i % 10 + 2), "never")).await;
    }
    timer(&clock, Call::Every(S, "never")).await;
    assert_eq!(tasks(), before + 1, "one task: the server's own");
    assert_eq!(pending(&clock).await, 1002);
    assert_eq!(
        clock.stop(ExitReason::Shutdown).await,
        Ok(ExitReason::Shutdown)
    );
    // Stopped at 0 s: not even init's timer (0.5 s) fires, now or ever.
    tokio::time::sleep(60 * S).await;
    assert_eq!(seen(&log), []);
    assert_eq!(tasks(), before);
    assert!(matches!(
        clock.call(Call::Pending).await,
        Err(CallError::NotRunning { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn timers_set_and_cancelled_leave_nothing_behind() {
    let (clock, _log) = start().await;
    until(&clock, S).await;
    for _ in 0..1000 {
        let t = timer(&clock, Call::After(10 * S, "x")).await;
        assert!(matches!(
            call(&clock, Call::Cancel(t)).await,
            Reply::Cancelled(true)
        ));
    }
    assert_eq!(pending(&clock).await, 0);
}
