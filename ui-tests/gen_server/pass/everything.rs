// Every kind of handler, with private types in a module, a shadowed `Result`, user types whose
// names the expansion might have used, and `#![deny(warnings)]`: the expansion must compile
// cleanly wherever a user puts it.
#![deny(warnings)]

#[path = "../support/mod.rs"]
mod support;

mod app {
    use perennial::gen_server;
    use perennial::prelude::*;

    // A crate-local alias that shadows std's `Result`, as many crates have.
    #[allow(dead_code)]
    type Result<T> = std::result::Result<T, std::io::Error>;

    // Names the expansion must not trip over.
    #[allow(dead_code)]
    struct CounterCall;
    #[allow(dead_code)]
    struct Client;

    pub struct Tick;
    pub enum Step {
        Load,
    }

    struct Secret(i64);

    pub struct Counter {
        n: i64,
        ticks: u64,
        loaded: bool,
    }

    #[gen_server]
    impl Counter {
        /// Starts at `start`; fails on a negative one.
        async fn init(start: i64, ctx: &mut Context<Self>) -> Result<Self> {
            if start < 0 {
                return Err(std::io::Error::other("negative start"));
            }
            ctx.continue_with(Step::Load);
            Ok(Counter {
                n: start,
                ticks: 0,
                loaded: false,
            })
        }

        /// Adds `by` and returns the new total.
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
        fn secret(&self, mut plus: i64) -> i64 {
            plus += Secret(self.n).0;
            plus
        }

        // Private types in messages and replies.
        #[call]
        fn wrap(&self, secret: Secret) -> Secret {
            Secret(secret.0 + self.n)
        }

        #[call]
        fn checked(&self, limit: i64) -> std::result::Result<i64, String> {
            if self.n > limit {
                Err("too big".to_owned())
            } else {
                Ok(self.n)
            }
        }

        #[call]
        fn snapshot(&self) -> Self {
            Counter {
                n: self.n,
                ticks: self.ticks,
                loaded: self.loaded,
            }
        }

        // Argument names the expansion might use for its own locals.
        #[call]
        fn names(&self, __ctx: i64, __call: i64, __reply: i64, timeout: i64, inner: i64) -> i64 {
            __ctx + __call + __reply + timeout + inner
        }

        #[cast]
        async fn reset(&mut self) {
            self.n = 0;
        }

        #[cast]
        fn stop(&mut self, ctx: &mut Context<Self>) {
            ctx.stop(ExitReason::Normal);
        }

        #[info]
        fn on_tick(&mut self, _tick: Tick) {
            self.ticks += 1;
        }

        #[handle_continue]
        async fn on_step(&mut self, step: Step) {
            match step {
                Step::Load => self.loaded = true,
            }
        }

        async fn terminate(&mut self, reason: &ExitReason) {
            let _ = reason;
        }

        fn helper(&self) -> bool {
            self.loaded
        }
    }

    pub async fn run() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let counter: CounterClient = Counter::start_client(1).await?;
        assert_eq!(counter.add(1).await?, 2);
        assert_eq!(counter.get().await?, 2);
        assert_eq!(counter.secret(1).await?, 3);
        assert_eq!(counter.wrap(Secret(1)).await?.0, 3);
        assert_eq!(counter.names(1, 2, 3, 4, 5).await?, 15);
        assert_eq!(counter.checked(10).await?, Ok(2));
        assert!(counter.snapshot().await?.helper());
        counter.reset()?;
        counter.info(Tick)?;
        counter.ping().await?;
        counter
            .with_timeout(std::time::Duration::from_secs(1))
            .stop()?;
        Ok(())
    }
}

fn main() {
    support::block_on(app::run()).unwrap();
}
