//! `#[gen_server]` end to end, through the facade as users write it: every generated client
//! method against a running server, timeouts, casts, ping, info, continue, terminate, init's
//! shapes, the conversions, and the hand-written path next to the generated one.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use perennial::gen_server;
use perennial::prelude::*;
use perennial::{Client, HasClient};
use tokio::sync::oneshot;

#[derive(Debug, PartialEq)]
struct Tick(u64);

enum Step {
    Load,
    Warm(u32),
}

#[derive(Debug)]
struct NegativeStart(i64);

impl std::fmt::Display for NegativeStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot start at {}", self.0)
    }
}

impl std::error::Error for NegativeStart {}

type Log = Arc<Mutex<Vec<String>>>;

/// The counter, plus one handler of every kind.
struct Counter {
    n: i64,
    ticks: Vec<u64>,
    steps: Vec<String>,
    log: Log,
}

#[gen_server]
impl Counter {
    async fn init(start: i64, log: Log, ctx: &mut Context<Self>) -> Result<Self, NegativeStart> {
        if start < 0 {
            return Err(NegativeStart(start));
        }
        ctx.continue_with(Step::Load);
        Ok(Counter {
            n: start,
            ticks: Vec::new(),
            steps: Vec::new(),
            log,
        })
    }

    /// Adds `by` and replies with the new total.
    #[call]
    async fn add(&mut self, by: i64) -> i64 {
        self.n += by;
        self.n
    }

    #[call]
    fn get(&self) -> i64 {
        self.n
    }

    #[call]
    fn add_both(&mut self, a: i64, b: i64) -> i64 {
        self.n += a + b;
        self.n
    }

    #[call]
    fn checked_div(&self, by: i64) -> Result<i64, String> {
        if by == 0 {
            Err("division by zero".to_owned())
        } else {
            Ok(self.n / by)
        }
    }

    #[call]
    fn steps(&self) -> Vec<String> {
        self.steps.clone()
    }

    #[call]
    fn ticks(&self) -> Vec<u64> {
        self.ticks.clone()
    }

    #[call]
    async fn slow(&self, secs: u64) -> i64 {
        tokio::time::sleep(Duration::from_secs(secs)).await;
        self.n
    }

    #[call]
    fn crash(&self) -> i64 {
        panic!("asked to crash")
    }

    #[call]
    fn warm(&mut self, rounds: u32, ctx: &mut Context<Self>) {
        ctx.continue_with(Step::Warm(rounds));
    }

    #[cast]
    async fn reset(&mut self) {
        self.n = 0;
    }

    #[cast]
    fn set(&mut self, n: i64, note: String) {
        self.n = n;
        self.log.lock().unwrap().push(note);
    }

    #[cast]
    async fn hold(&mut self, started: oneshot::Sender<()>, release: oneshot::Receiver<()>) {
        let _ = started.send(());
        let _ = release.await;
    }

    #[cast]
    fn stop(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Normal);
    }

    // Compiled out: the client has no `gone` method, and nothing references `missing()`.
    #[cfg(any())]
    #[call]
    fn gone(&self) -> i64 {
        missing()
    }

    #[info]
    fn on_tick(&mut self, tick: Tick) {
        self.ticks.push(tick.0);
    }

    #[handle_continue]
    async fn resume(&mut self, step: Step, ctx: &mut Context<Self>) {
        match step {
            Step::Load => self.steps.push("load".to_owned()),
            Step::Warm(0) => self.steps.push("warm".to_owned()),
            Step::Warm(n) => {
                self.steps.push(format!("warm {n}"));
                ctx.continue_with(Step::Warm(n - 1));
            }
        }
    }

    async fn terminate(&mut self, reason: &ExitReason) {
        self.log
            .lock()
            .unwrap()
            .push(format!("terminate: {reason} at {}", self.n));
    }

    fn not_a_handler(&self) -> i64 {
        -self.n
    }
}

fn log() -> Log {
    Arc::new(Mutex::new(Vec::new()))
}

async fn start_counter(start: i64) -> CounterClient {
    Counter::start_client(start, log()).await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn calls_reply_with_what_sync_and_async_handlers_return() {
    let counter = start_counter(40).await;
    assert_eq!(counter.add(2).await.unwrap(), 42);
    assert_eq!(counter.get().await.unwrap(), 42);
    assert_eq!(counter.add_both(1, 2).await.unwrap(), 45);
    // A `Result` reply is the reply as it is: the handler's error is not a call error.
    assert_eq!(counter.checked_div(5).await.unwrap(), Ok(9));
    assert_eq!(
        counter.checked_div(0).await.unwrap(),
        Err("division by zero".to_owned())
    );
}

#[tokio::test(start_paused = true)]
async fn casts_return_at_once_and_are_handled_in_order() {
    let log = log();
    let counter = Counter::start_client(7, log.clone()).await.unwrap();
    counter.set(3, "first".to_owned()).unwrap();
    counter.reset().unwrap();
    counter.set(5, "second".to_owned()).unwrap();
    assert_eq!(counter.get().await.unwrap(), 5);
    assert_eq!(*log.lock().unwrap(), ["first", "second"]);
}

#[tokio::test(start_paused = true)]
async fn ping_answers_once_everything_sent_before_is_handled() {
    let counter = start_counter(1).await;
    counter.set(9, "before the ping".to_owned()).unwrap();
    counter.ping().await.unwrap();
    assert_eq!(counter.get().await.unwrap(), 9);
}

#[tokio::test(start_paused = true)]
async fn with_timeout_bounds_calls_and_leaves_the_original_client_alone() {
    // A timed-out call leaves the server busy, so each case has its own server.
    let counter = start_counter(3).await;
    let impatient = counter.with_timeout(Duration::from_secs(1));
    assert_eq!(
        impatient.slow(10).await,
        Err(CallError::Timeout(Duration::from_secs(1)))
    );
    assert_eq!(impatient.as_ref().timeout(), Duration::from_secs(1));
    assert_eq!(counter.as_ref().timeout(), DEFAULT_TIMEOUT);

    // The default is 5 s: a 4 s handler answers, a 6 s one does not.
    assert_eq!(start_counter(3).await.slow(4).await, Ok(3));
    assert_eq!(
        start_counter(3).await.slow(6).await,
        Err(CallError::Timeout(Duration::from_secs(5)))
    );
    let patient = start_counter(3).await.with_timeout(Duration::from_secs(60));
    assert_eq!(patient.slow(30).await, Ok(3));
}

const DEFAULT_TIMEOUT: Duration = perennial::DEFAULT_CALL_TIMEOUT;

#[tokio::test(start_paused = true)]
async fn info_messages_reach_the_info_handler_from_the_client_or_a_server_ref() {
    let server = Counter::start((0, log())).await.unwrap();
    let counter = CounterClient::from(server.clone());
    counter.info(Tick(1)).unwrap();
    // The info type is the handler's argument type, so the hand-written path sends it too.
    server.info(Tick(2)).unwrap();
    assert_eq!(counter.ticks().await.unwrap(), [1, 2]);
}

#[tokio::test(start_paused = true)]
async fn a_continue_requested_by_init_runs_before_the_first_message() {
    let counter = start_counter(0).await;
    assert_eq!(counter.steps().await.unwrap(), ["load"]);
}

#[tokio::test(start_paused = true)]
async fn continues_requested_by_handlers_chain_before_the_next_message() {
    let counter = start_counter(0).await;
    counter.warm(2).await.unwrap();
    assert_eq!(
        counter.steps().await.unwrap(),
        ["load", "warm 2", "warm 1", "warm"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_handler_stops_the_server_through_its_context_and_terminate_runs() {
    let log = log();
    let server = Counter::start((5, log.clone())).await.unwrap();
    let counter = CounterClient::from(server.clone());
    counter.stop().unwrap();
    assert_eq!(server.wait_exit().await, ExitReason::Normal);
    assert_eq!(*log.lock().unwrap(), ["terminate: normal at 5"]);
    assert!(matches!(
        counter.get().await,
        Err(CallError::NotRunning { .. })
    ));
    assert!(matches!(counter.reset(), Err(CastError::NotRunning(_))));
    assert!(matches!(
        counter.info(Tick(3)),
        Err(CastError::NotRunning(Tick(3)))
    ));
    assert!(matches!(
        counter.ping().await,
        Err(CallError::NotRunning { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn a_panicking_handler_fails_the_call_with_the_panic() {
    let server = Counter::start((5, log())).await.unwrap();
    let counter = CounterClient::from(server.clone());
    match counter.crash().await {
        Err(CallError::Exited(ExitReason::Panic(message))) => {
            assert_eq!(&*message, "asked to crash")
        }
        other => panic!("expected the panic, got {other:?}"),
    }
    assert!(!server.is_alive());
}

#[tokio::test(start_paused = true)]
async fn init_errors_fail_the_start_with_the_users_error() {
    match Counter::start_client(-1, log()).await {
        Err(StartError::Init(NegativeStart(-1))) => {}
        other => panic!("expected the init error, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_cast_to_a_full_bounded_mailbox_fails_at_once() {
    let server = Counter::builder()
        .bounded_mailbox(NonZeroUsize::MIN)
        .start((0, log()))
        .await
        .unwrap();
    let counter = CounterClient::from(server);
    let (started_tx, started) = oneshot::channel();
    let (release, release_rx) = oneshot::channel();
    counter.hold(started_tx, release_rx).unwrap();
    started.await.unwrap(); // the server is busy in `hold`, its mailbox empty
    counter.reset().unwrap(); // fills the one slot
    assert!(matches!(counter.reset(), Err(CastError::Full(_))));
    release.send(()).unwrap();
    assert_eq!(counter.get().await.unwrap(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_client_from_a_name_follows_the_server_across_restarts() {
    let registry = Registry::new();
    let counter = CounterClient::from(registry.named::<Counter>("counter"));
    let first = Counter::builder()
        .register(&registry, "counter")
        .start((1, log()))
        .await
        .unwrap();
    assert_eq!(counter.get().await.unwrap(), 1);
    first.stop(ExitReason::Shutdown).await.unwrap();
    Counter::builder()
        .register(&registry, "counter")
        .start((2, log()))
        .await
        .unwrap();
    assert_eq!(counter.get().await.unwrap(), 2);
}

#[tokio::test(start_paused = true)]
async fn conversions_clone_and_debug() {
    let server = Counter::start((4, log())).await.unwrap();
    let from_client = CounterClient::from(Client::from(server.clone()));
    let cloned = from_client.clone();
    assert_eq!(cloned.add(1).await.unwrap(), 5);
    assert_eq!(from_client.get().await.unwrap(), 5);
    let back: Client<Counter> = cloned.into();
    assert_eq!(back.resolve(), Some(server));
    let debug = format!("{from_client:?}");
    assert!(debug.starts_with("CounterClient(Client {"), "{debug}");
}

/// Code generic over any server with a typed client, as supervision trees are.
async fn typed_client_of<S: HasClient>(server: ServerRef<S>) -> S::Client {
    S::Client::from(Client::from(server))
}

#[tokio::test(start_paused = true)]
async fn has_client_links_the_server_to_its_generated_client() {
    let server = Counter::start((8, log())).await.unwrap();
    let counter: CounterClient = typed_client_of(server).await;
    assert_eq!(counter.get().await.unwrap(), 8);
}

// init's shapes: no arguments, `-> Self`, a sync init, an alias of `Result`, `Self` in
// handler signatures.

#[derive(Clone, Debug, PartialEq)]
struct Blank {
    label: String,
}

#[gen_server]
impl Blank {
    fn init() -> Self {
        Blank {
            label: "blank".to_owned(),
        }
    }

    #[call]
    fn label(&self) -> String {
        self.label.clone()
    }

    #[call]
    fn snapshot(&self) -> Self {
        self.clone()
    }

    #[cast]
    fn replace(&mut self, with: Self) {
        *self = with;
    }
}

#[tokio::test(start_paused = true)]
async fn init_without_arguments_that_cannot_fail() {
    let blank = Blank::start_client().await.unwrap();
    assert_eq!(blank.label().await.unwrap(), "blank");
    blank
        .replace(Blank {
            label: "new".to_owned(),
        })
        .unwrap();
    assert_eq!(
        blank.snapshot().await.unwrap(),
        Blank {
            label: "new".to_owned()
        }
    );
}

struct Opened {
    path: String,
}

#[gen_server]
impl Opened {
    async fn init(path: String) -> std::io::Result<Self> {
        if path.is_empty() {
            return Err(std::io::Error::other("empty path"));
        }
        Ok(Opened { path })
    }

    #[call]
    fn path(&self) -> String {
        self.path.clone()
    }
}

#[tokio::test(start_paused = true)]
async fn init_may_return_an_alias_of_result() {
    let opened = Opened::start_client("/tmp/x".to_owned()).await.unwrap();
    assert_eq!(opened.path().await.unwrap(), "/tmp/x");
    match Opened::start_client(String::new()).await {
        Err(StartError::Init(e)) => assert_eq!(e.to_string(), "empty path"),
        other => panic!("expected the init error, got {other:?}"),
    }
}

// The hand-written path keeps working next to the generated one.

struct Manual(i64);

impl GenServer for Manual {
    type Args = i64;
    type Call = i64;
    type Reply = i64;
    type Cast = std::convert::Infallible;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;
    type Error = std::convert::Infallible;

    async fn init(n: i64, _: &mut Context<Self>) -> Result<Self, Self::Error> {
        Ok(Manual(n))
    }

    async fn handle_call(&mut self, by: i64, _: &mut Context<Self>) -> i64 {
        self.0 += by;
        self.0
    }
}

impl HasClient for Manual {
    type Client = Client<Self>;
}

#[tokio::test(start_paused = true)]
async fn hand_written_servers_still_work_next_to_generated_ones() {
    let manual = typed_client_of(Manual::start(1).await.unwrap()).await;
    assert_eq!(manual.call(2).await.unwrap(), 3);
    let counter = start_counter(1).await;
    assert_eq!(counter.add(2).await.unwrap(), 3);
    // The generated impl is the runtime's trait: the hand-written API works on it too.
    let server = Counter::start((10, log())).await.unwrap();
    assert!(server.ping().await.is_ok());
}

#[test]
fn ordinary_methods_stay_ordinary() {
    let state = Counter {
        n: 2,
        ticks: Vec::new(),
        steps: Vec::new(),
        log: log(),
    };
    assert_eq!(state.not_a_handler(), -2);
}

#[tokio::test(start_paused = true)]
async fn a_failed_cast_gives_back_the_handlers_own_arguments() {
    let counter = start_counter(1).await;
    counter.stop().unwrap();
    let server = Client::from(counter.clone()).resolve();
    if let Some(server) = server {
        server.wait_exit().await;
    }
    match counter.set(3, "late".to_owned()) {
        Err(CastError::NotRunning((3, note))) => assert_eq!(note, "late"),
        other => panic!("expected the arguments back, got {other:?}"),
    }
    assert!(matches!(counter.reset(), Err(CastError::NotRunning(()))));
}

#[tokio::test(start_paused = true)]
async fn a_dynamic_supervisor_hands_out_typed_clients() {
    use perennial::supervisor::DynamicSpec;
    let jobs = DynamicSpec::<Counter>::new("counters")
        .start()
        .await
        .unwrap();
    let counter: CounterClient = jobs.start_client((10, log())).await.unwrap();
    assert_eq!(counter.add(1).await.unwrap(), 11);
}
