// The attribute's options: the client's visibility and name, and the path of the crate for a
// renamed dependency (here a re-export standing in for one).
#![deny(warnings)]

#[path = "../support/mod.rs"]
mod support;

mod renamed {
    pub use perennial::*;
}

mod inner {
    use perennial::gen_server;

    // The client may not be less visible than the server: `HasClient` names one from the other.
    pub(crate) struct Counter {
        n: i64,
    }

    #[gen_server(vis = pub(crate), client = CounterHandle, crate = crate::renamed)]
    impl Counter {
        fn init(n: i64) -> Self {
            Counter { n }
        }

        #[call]
        fn get(&self) -> i64 {
            self.n
        }
    }
}

fn main() {
    support::block_on(async {
        let counter: inner::CounterHandle = inner::Counter::start_client(7).await.unwrap();
        assert_eq!(counter.get().await.unwrap(), 7);
    });
}
