//! Replies given later: a call handler takes the right to reply ([`ReplyTo`]) and answers from a
//! later message, a spawned task, or never (dropping it); the server's exit answers what is left.

use std::convert::Infallible;
use std::time::Duration;

use perennial_runtime::{CallError, Context, ExitReason, GenServer, Registry, ReplyTo, ServerRef};
use tokio::sync::mpsc;
use tokio::time::Instant;

const S: Duration = Duration::from_secs(1);

/// Keeps the reply tokens of `Wait` calls, and does with them what later messages say.
struct Waiter {
    waiting: Vec<ReplyTo<u64>>,
    /// Where the tokens given away go (to be dropped, or answered, by the test).
    give: Option<mpsc::UnboundedSender<ReplyTo<u64>>>,
}

enum Call {
    /// Keep the token; answered by `Release`.
    Wait,
    /// Take the token and drop it at once.
    Drop,
    /// Take the token and hand it to the test.
    GiveAway,
    /// Take the token twice: the second attempt gets nothing.
    TakeTwice,
    /// Answer every kept token with this value; replies how many were waiting.
    Release(u64),
    /// How many replies are owed.
    Pending,
    /// Take the token, then panic with it in hand.
    Panic,
}

enum Cast {
    /// Answer every kept token from a spawned task, after a delay.
    ReleaseLater(u64, Duration),
}

impl GenServer for Waiter {
    type Args = Option<mpsc::UnboundedSender<ReplyTo<u64>>>;
    type Call = Call;
    type Reply = u64;
    type Cast = Cast;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(give: Self::Args, ctx: &mut Context<Self>) -> Result<Self, Infallible> {
        assert!(ctx.reply_later().is_none(), "no call is being handled");
        Ok(Waiter {
            waiting: Vec::new(),
            give,
        })
    }

    async fn handle_call(&mut self, call: Call, ctx: &mut Context<Self>) -> u64 {
        match call {
            Call::Wait => {
                self.waiting.extend(ctx.reply_later());
                // Dropped, not sent: the token answers.
                999
            }
            Call::Drop => {
                drop(ctx.reply_later());
                999
            }
            Call::GiveAway => {
                if let (Some(give), Some(token)) = (&self.give, ctx.reply_later()) {
                    let _ = give.send(token);
                }
                999
            }
            Call::TakeTwice => {
                let first = ctx.reply_later();
                let second = ctx.reply_later();
                match (first, second) {
                    (Some(first), None) => first.reply(2),
                    _ => panic!("the token was handed out twice"),
                }
                999
            }
            Call::Release(value) => {
                let n = self.waiting.len() as u64;
                for token in self.waiting.drain(..) {
                    token.reply(value);
                }
                n
            }
            Call::Pending => ctx.replies_pending() as u64,
            Call::Panic => {
                let _token = ctx.reply_later();
                panic!("boom")
            }
        }
    }

    async fn handle_cast(&mut self, cast: Cast, _: &mut Context<Self>) {
        let Cast::ReleaseLater(value, after) = cast;
        let tokens = std::mem::take(&mut self.waiting);
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            for token in tokens {
                token.reply(value);
            }
        });
    }
}

async fn start() -> ServerRef<Waiter> {
    Waiter::start(None).await.expect("starts")
}

/// Sends a `Wait` call from its own task and waits until the server holds its token.
async fn wait_in_task(
    server: &ServerRef<Waiter>,
    timeout: Duration,
) -> tokio::task::JoinHandle<Result<u64, CallError>> {
    let before = server.call(Call::Pending).await.unwrap();
    let caller = server.clone();
    let task = tokio::spawn(async move { caller.call_timeout(Call::Wait, timeout).await });
    while server.call(Call::Pending).await.unwrap() == before {
        tokio::task::yield_now().await;
    }
    task
}

#[tokio::test(start_paused = true)]
async fn a_reply_given_by_a_later_message_answers_the_waiting_caller() {
    let server = start().await;
    let first = wait_in_task(&server, 60 * S).await;
    let second = wait_in_task(&server, 60 * S).await;
    // The server is not blocked meanwhile.
    assert_eq!(server.call(Call::Pending).await, Ok(2));
    assert_eq!(server.call(Call::Release(7)).await, Ok(2));
    assert_eq!(first.await.unwrap(), Ok(7));
    assert_eq!(second.await.unwrap(), Ok(7));
    assert_eq!(server.call(Call::Pending).await, Ok(0));
}

#[tokio::test(start_paused = true)]
async fn a_reply_given_from_a_spawned_task_answers_the_caller() {
    let server = start().await;
    let caller = wait_in_task(&server, 60 * S).await;
    let t = Instant::now();
    server.cast(Cast::ReleaseLater(5, 3 * S)).unwrap();
    assert_eq!(caller.await.unwrap(), Ok(5));
    assert_eq!(t.elapsed(), 3 * S);
}

#[tokio::test(start_paused = true)]
async fn a_token_dropped_unanswered_answers_the_caller_at_once_with_no_reply() {
    let server = start().await;
    let t = Instant::now();
    assert_eq!(server.call(Call::Drop).await, Err(CallError::NoReply));
    assert_eq!(t.elapsed(), Duration::ZERO, "not a timeout");
    assert!(server.is_alive());
    assert_eq!(server.call(Call::Pending).await, Ok(0));
    // The message says what to do.
    assert!(CallError::NoReply.to_string().contains("without replying"));
}

#[tokio::test(start_paused = true)]
async fn a_token_taken_twice_is_handed_out_once_and_the_return_value_is_dropped() {
    let server = start().await;
    assert_eq!(server.call(Call::TakeTwice).await, Ok(2));
    // `Wait` returns 999 after taking the token: the caller never sees it.
    let caller = wait_in_task(&server, 60 * S).await;
    server.call(Call::Release(1)).await.unwrap();
    assert_eq!(caller.await.unwrap(), Ok(1));
}

#[tokio::test(start_paused = true)]
async fn the_servers_exit_answers_every_outstanding_token_with_its_reason() {
    let (give, mut given) = mpsc::unbounded_channel();
    let server = Waiter::start(Some(give)).await.unwrap();
    let kept = wait_in_task(&server, 60 * S).await;
    let caller = server.clone();
    let away = tokio::spawn(async move { caller.call_timeout(Call::GiveAway, 60 * S).await });
    let token = given.recv().await.expect("the token given away");
    assert_eq!(
        server.stop(ExitReason::Shutdown).await,
        Ok(ExitReason::Shutdown)
    );
    assert_eq!(
        kept.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    assert_eq!(
        away.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    // A reply after the exit goes nowhere, and does not panic.
    token.reply(3);
}

#[tokio::test(start_paused = true)]
async fn a_killed_server_answers_its_tokens_with_the_kill() {
    let server = start().await;
    let caller = wait_in_task(&server, 60 * S).await;
    server.kill();
    assert_eq!(server.wait_exit().await, ExitReason::Killed);
    assert_eq!(
        caller.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
}

#[tokio::test(start_paused = true)]
async fn a_reply_after_the_caller_gave_up_is_discarded() {
    let (give, mut given) = mpsc::unbounded_channel();
    let server = Waiter::start(Some(give)).await.unwrap();
    let caller = server.clone();
    let gave_up = tokio::spawn(async move {
        let first = caller.call_timeout(Call::GiveAway, S).await;
        // The same task's next call (which may reuse the first call's reply slot) gets its own.
        let second = caller.call(Call::Release(0)).await;
        (first, second)
    });
    let token = given.recv().await.unwrap();
    let (first, second) = gave_up.await.unwrap();
    assert_eq!(first, Err(CallError::Timeout(S)));
    assert_eq!(second, Ok(0));
    token.reply(42);
    assert_eq!(server.call(Call::Release(0)).await, Ok(0));
    assert_eq!(server.call(Call::Pending).await, Ok(0));
}

#[tokio::test(start_paused = true)]
async fn a_name_bound_call_whose_token_is_dropped_gets_no_reply() {
    let registry = Registry::new();
    Waiter::builder()
        .register(&registry, "waiter")
        .start(None)
        .await
        .unwrap();
    let named = registry.named::<Waiter>("waiter");
    assert_eq!(named.call(Call::Drop).await, Err(CallError::NoReply));
    assert_eq!(named.call(Call::TakeTwice).await, Ok(2));
}

#[tokio::test(start_paused = true)]
async fn tokens_places_are_reused_and_nothing_is_left_owed() {
    let server = start().await;
    for round in 0..100u64 {
        let callers = [
            wait_in_task(&server, 60 * S).await,
            wait_in_task(&server, 60 * S).await,
        ];
        assert_eq!(server.call(Call::Release(round)).await, Ok(2));
        for caller in callers {
            assert_eq!(caller.await.unwrap(), Ok(round));
        }
    }
    assert_eq!(server.call(Call::Pending).await, Ok(0));
}

#[tokio::test(start_paused = true)]
async fn a_server_that_panics_holding_a_token_answers_it_with_the_panic() {
    let server = start().await;
    let kept = wait_in_task(&server, 60 * S).await;
    let panic = ExitReason::Panic("boom".into());
    assert_eq!(
        server.call(Call::Panic).await,
        Err(CallError::Exited(panic.clone()))
    );
    assert_eq!(kept.await.unwrap(), Err(CallError::Exited(panic)));
}
