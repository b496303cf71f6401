// `crate = path` in the root's options: every path the expansion writes starts with it, for
// code that reaches perennial through a renamed dependency (here a re-export standing in for
// one), as `#[gen_server(crate = ..)]` does.
#![deny(warnings)]

mod renamed {
    pub use perennial::*;
}

mod inner {
    use crate::renamed::gen_server;

    pub struct Counter {
        n: i64,
    }

    #[gen_server(crate = crate::renamed)]
    impl Counter {
        fn init(n: i64) -> Self {
            Counter { n }
        }

        #[call]
        fn get(&self) -> i64 {
            self.n
        }
    }

    pub async fn work(n: i64) {
        let _ = n;
        std::future::pending::<()>().await
    }
}

use inner::{Counter, work};

crate::renamed::supervision_tree! {
    pub struct App(start: i64);
    app: supervisor(crate = crate::renamed, strategy = one_for_all, within = 1s) {
        counter: Counter(start) { health = { interval = 10s }, backoff = on },
        ticker: task(work, 1) { restart = transient },
        jobs: dynamic_supervisor<Counter>(children = { restart = temporary }),
        nested: supervisor(max_restarts = 5) { other: Counter(2) },
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let app = App::start(7).await.unwrap();
        assert_eq!(app.counter.get().await.unwrap(), 7);
        assert_eq!(app.nested.other.get().await.unwrap(), 2);
        app.shutdown().await;

        let tree = crate::renamed::supervision_tree! {
            app: supervisor(crate = renamed) { counter: Counter(3) }
        }
        .start()
        .await
        .unwrap();
        assert_eq!(tree.counter.get().await.unwrap(), 3);
        tree.shutdown().await;
    });
}
