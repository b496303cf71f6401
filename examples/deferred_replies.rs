//! Replies given later: a connection pool whose `checkout` waits, without blocking the pool,
//! until a connection is returned; and a hasher that runs blocking work on `spawn_blocking` and
//! replies from there, taking other calls meanwhile.
//!
//! Run it with `cargo run --example deferred_replies`.

use std::collections::VecDeque;
use std::time::Duration;

use perennial::prelude::*;

/// A connection (here, just its number).
#[derive(Debug, PartialEq)]
pub struct Conn(pub u32);

/// Hands out a fixed set of connections; callers beyond that wait in line.
pub struct Pool {
    idle: Vec<Conn>,
    waiting: VecDeque<ReplyTo<Conn>>,
}

#[gen_server]
impl Pool {
    fn init(size: u32) -> Self {
        Pool {
            idle: (0..size).map(Conn).collect(),
            waiting: VecDeque::new(),
        }
    }

    /// A connection: at once if one is idle, else as soon as one is checked in.
    #[call]
    fn checkout(&mut self, reply: ReplyTo<Conn>) {
        match self.idle.pop() {
            Some(conn) => reply.reply(conn),
            None => self.waiting.push_back(reply),
        }
    }

    /// Gives a connection back: to the first caller waiting, if any.
    #[cast]
    fn checkin(&mut self, conn: Conn) {
        match self.waiting.pop_front() {
            Some(waiter) => waiter.reply(conn),
            None => self.idle.push(conn),
        }
    }

    #[call]
    fn waiting(&self) -> usize {
        self.waiting.len()
    }
}

/// Hashes with a slow, blocking function, off the server's task.
pub struct Hasher {
    hashed: u64,
}

#[gen_server]
impl Hasher {
    fn init() -> Self {
        Hasher { hashed: 0 }
    }

    /// The hash of `data`, computed on tokio's blocking pool: the server answers other calls
    /// while it runs.
    #[call]
    fn hash(&mut self, data: Vec<u8>, reply: ReplyTo<u64>) {
        self.hashed += 1;
        tokio::task::spawn_blocking(move || reply.reply(slow_hash(&data)));
    }

    #[call]
    fn hashed(&self) -> u64 {
        self.hashed
    }
}

fn slow_hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    run().await
}

/// The example itself (the test suite runs it too).
pub async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let pool = Pool::start_client(1).await?;
    let first = pool.checkout().await?;
    println!("checked out {first:?}");

    // The pool is empty: this caller waits, and the pool keeps answering others.
    let second = tokio::spawn({
        let pool = pool.clone();
        async move { pool.checkout().await }
    });
    while pool.waiting().await? == 0 {
        tokio::task::yield_now().await;
    }
    println!("one caller waiting for a connection");
    pool.checkin(first)?;
    let second = second.await??;
    println!("the waiting caller got {second:?}");
    assert_eq!(second, Conn(0));

    let hasher = Hasher::start_client().await?;
    let hash = hasher
        .with_timeout(Duration::from_secs(10))
        .hash(b"perennial".to_vec())
        .await?;
    println!("hash: {hash:#x} ({} hashed)", hasher.hashed().await?);
    assert_eq!(hash, slow_hash(b"perennial"));
    Ok(())
}
