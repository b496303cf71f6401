//! Replies given later, through `#[gen_server]`: a `#[call]` handler that takes a
//! `ReplyTo<T>` replies later; its client method is the same `async fn .. -> Result<T, CallError>`.

use std::time::Duration;

use perennial::prelude::*;
use tokio::sync::mpsc;
use tokio::time::Instant;

const S: Duration = Duration::from_secs(1);

/// Parks `wait` calls until `release`, and hands tokens out to the test on `give_away`.
struct Parking {
    parked: Vec<ReplyTo<String>>,
    out: mpsc::UnboundedSender<ReplyTo<u32>>,
}

#[gen_server]
impl Parking {
    fn init(out: mpsc::UnboundedSender<ReplyTo<u32>>) -> Self {
        Parking {
            parked: Vec::new(),
            out,
        }
    }

    /// Replies with `prefix` and the released value; the token may come in any position, next
    /// to the context.
    #[call]
    fn wait(&mut self, reply: ReplyTo<String>, prefix: String, ctx: &mut Context<Self>) {
        let _ = ctx.myself();
        let _ = prefix;
        self.parked.push(reply);
    }

    #[call]
    async fn give_away(&mut self, reply: ReplyTo<u32>) {
        let _ = self.out.send(reply);
    }

    #[call]
    fn forget(&mut self, _reply: ReplyTo<u32>) {}

    #[call]
    fn release(&mut self, value: String) -> usize {
        let n = self.parked.len();
        for token in self.parked.drain(..) {
            token.reply(value.clone());
        }
        n
    }

    #[call]
    fn parked(&self) -> usize {
        self.parked.len()
    }
}

async fn start() -> (ParkingClient, mpsc::UnboundedReceiver<ReplyTo<u32>>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Parking::start_client(tx).await.unwrap(), rx)
}

#[tokio::test(start_paused = true)]
async fn a_parked_call_is_answered_by_a_later_call() {
    let (parking, _out) = start().await;
    let waiting = tokio::spawn({
        let parking = parking.clone();
        async move { parking.wait("ignored".into()).await }
    });
    while parking.parked().await.unwrap() == 0 {
        tokio::task::yield_now().await;
    }
    assert_eq!(parking.release("hello".into()).await, Ok(1));
    assert_eq!(waiting.await.unwrap(), Ok("hello".to_string()));
}

#[tokio::test(start_paused = true)]
async fn a_token_handed_to_a_task_replies_from_there() {
    let (parking, mut out) = start().await;
    let waiting = tokio::spawn({
        let parking = parking.clone();
        async move { parking.give_away().await }
    });
    let token = out.recv().await.unwrap();
    let t = Instant::now();
    tokio::spawn(async move {
        tokio::time::sleep(2 * S).await;
        token.reply(7);
    });
    assert_eq!(waiting.await.unwrap(), Ok(7));
    assert_eq!(t.elapsed(), 2 * S);
}

#[tokio::test(start_paused = true)]
async fn a_forgotten_token_answers_no_reply_at_once() {
    let (parking, _out) = start().await;
    let t = Instant::now();
    assert_eq!(parking.forget().await, Err(CallError::NoReply));
    assert_eq!(t.elapsed(), Duration::ZERO);
    assert_eq!(parking.parked().await, Ok(0));
}

#[tokio::test(start_paused = true)]
async fn the_servers_exit_answers_parked_calls_with_its_reason() {
    let (parking, _out) = start().await;
    let waiting = tokio::spawn({
        let parking = parking.clone();
        async move { parking.wait("x".into()).await }
    });
    while parking.parked().await.unwrap() == 0 {
        tokio::task::yield_now().await;
    }
    let server = parking.as_ref().resolve().unwrap();
    server.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(
        waiting.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    assert!(matches!(
        parking.parked().await,
        Err(CallError::NotRunning { .. })
    ));
}
