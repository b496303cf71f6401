//! Timers through `#[gen_server]`: set with the context from `init` or any handler, delivered
//! to the `#[info]` handler, and gone with the incarnation that set them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use perennial::prelude::*;
use perennial::supervision_tree;
use perennial::supervisor::Event;
use tokio::time::Instant;

const S: Duration = Duration::from_secs(1);

#[derive(Clone, Debug)]
enum Tick {
    Beat,
    Once,
    Quiet,
}

type Seen = Arc<Mutex<Vec<(u64, String)>>>;

struct Heart {
    seen: Seen,
    t0: Instant,
}

#[gen_server]
impl Heart {
    fn init(seen: Seen, ctx: &mut Context<Self>) -> Self {
        ctx.send_interval(S, Tick::Beat);
        Heart {
            seen,
            t0: Instant::now(),
        }
    }

    #[info]
    fn on_tick(&mut self, tick: Tick) {
        let at = self.t0.elapsed().as_millis() as u64;
        let what = format!("{tick:?}");
        self.seen.lock().unwrap().push((at, what));
    }

    #[call]
    fn once_in(&mut self, after: Duration, ctx: &mut Context<Self>) -> TimerRef {
        ctx.send_after(after, Tick::Once)
    }

    #[call]
    fn cancel(&mut self, timer: TimerRef, ctx: &mut Context<Self>) -> bool {
        ctx.cancel_timer(timer)
    }

    #[call]
    fn quiet_after(&mut self, after: Duration, ctx: &mut Context<Self>) {
        ctx.idle_timeout(after, Tick::Quiet);
    }

    #[cast]
    fn crash(&mut self) {
        panic!("heart crashed");
    }
}

fn take(seen: &Seen) -> Vec<String> {
    std::mem::take(&mut *seen.lock().unwrap())
        .into_iter()
        .map(|(_, w)| w)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn timers_set_with_the_context_reach_the_info_handler() {
    let seen = Seen::default();
    let heart = Heart::start_client(seen.clone()).await.unwrap();
    let once = heart.once_in(S / 2).await.unwrap();
    let never = heart.once_in(10 * S).await.unwrap();
    assert_eq!(heart.cancel(never).await, Ok(true));
    tokio::time::sleep(2 * S + S / 10).await;
    heart.ping().await.unwrap();
    assert_eq!(take(&seen), ["Once", "Beat", "Beat"]);
    assert_eq!(heart.cancel(once).await, Ok(false));
}

#[tokio::test(start_paused = true)]
async fn a_restarted_server_never_sees_its_predecessors_timers() {
    let seen = Seen::default();
    let app = supervision_tree! {
        app: supervisor { heart: Heart(seen.clone()) }
    }
    .start()
    .await
    .unwrap();
    let mut events = app.subscribe();
    tokio::time::sleep(S + S / 10).await;
    app.heart.ping().await.unwrap();
    assert_eq!(take(&seen), ["Beat"]);
    // The first incarnation sets a timer for 0.5 s from now, then crashes; the next one has
    // only its own interval, started afresh.
    app.heart.once_in(S / 2).await.unwrap();
    app.heart.crash().unwrap();
    while !matches!(events.next().await, Some(Event::Restarted { .. })) {}
    tokio::time::sleep(2 * S + S / 10).await;
    app.heart.ping().await.unwrap();
    assert_eq!(take(&seen), ["Beat", "Beat"]);
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_idle_timeout_comes_after_quiet() {
    let seen = Seen::default();
    let heart = Heart::start_client(seen.clone()).await.unwrap();
    heart.quiet_after(S / 2).await.unwrap();
    tokio::time::sleep(S / 2 + S / 10).await;
    heart.ping().await.unwrap();
    assert_eq!(take(&seen), ["Quiet"]);
}
