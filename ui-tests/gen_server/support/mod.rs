//! What the gen_server ui cases share besides the code under test: the state most of them
//! serve (each case writes its own `#[gen_server] impl Counter`, which is what it tests), and a
//! runtime to run the pass cases on.
#![allow(dead_code)]

use std::future::Future;

/// The state of most cases: a counter.
pub struct Counter {
    pub n: i64,
}

/// Runs `future` to its end on a current-thread runtime with time and I/O enabled.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}
