//! `client.stop()` on a generated client, and a handler named `stop` keeping its name.

use perennial::prelude::*;

struct Counter(u64);

#[gen_server]
impl Counter {
    fn init(start: u64) -> Self {
        Counter(start)
    }

    #[call]
    fn get(&self) -> u64 {
        self.0
    }
}

/// A server whose own `stop` handler takes the client's `stop`.
struct Lamp;

#[gen_server]
impl Lamp {
    fn init() -> Self {
        Lamp
    }

    #[call]
    fn stop(&mut self) -> &'static str {
        "the lamp's own stop"
    }
}

#[tokio::test(start_paused = true)]
async fn a_generated_client_stops_its_server() {
    let counter = Counter::start_client(3).await.unwrap();
    assert_eq!(counter.get().await, Ok(3));
    assert_eq!(counter.stop().await, Ok(ExitReason::Shutdown));
    assert!(matches!(
        counter.get().await,
        Err(CallError::NotRunning { .. })
    ));
    assert!(matches!(
        counter.stop().await,
        Err(CallError::NotRunning { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn a_supervised_server_stopped_by_its_client_is_restarted_if_permanent() {
    let app = supervision_tree! { app: supervisor { counter: Counter(3) } }
        .start()
        .await
        .unwrap();
    let mut events = app.subscribe();
    assert_eq!(app.counter.stop().await, Ok(ExitReason::Shutdown));
    events
        .wait_for(|e| matches!(e, perennial::supervisor::Event::Restarted { .. }))
        .await
        .unwrap();
    assert_eq!(app.counter.get().await, Ok(3));
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_handler_named_stop_keeps_its_name() {
    let lamp = Lamp::start_client().await.unwrap();
    assert_eq!(lamp.stop().await, Ok("the lamp's own stop"));
    let client: &perennial::Client<Lamp> = lamp.as_ref();
    assert_eq!(client.stop().await, Ok(ExitReason::Shutdown));
}
