//! Hand-written gen_servers for the tree tests, shaped like `#[gen_server]`'s output: `Args` is
//! `()` for no init argument, the type itself for one, a tuple for several, and each implements
//! `HasClient` (two of them with a typed client of their own, as the macro generates).
#![allow(dead_code)]

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use perennial::prelude::*;
use perennial::{Client, HasClient};

/// An ordered log shared by the servers and tasks of a test.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }

    /// Everything logged so far, and clears it.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

/// Counts how often an expression runs.
#[derive(Clone, Default)]
pub struct Count(Arc<AtomicUsize>);

impl Count {
    /// Counts one and returns `value`.
    pub fn tick<T>(&self, value: T) -> T {
        self.0.fetch_add(1, Ordering::SeqCst);
        value
    }

    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

// ---------------------------------------------------------------------------------------------

/// A cache of `u64`s with a typed client, as `#[gen_server]` would generate: `app.cache.add(1)`.
pub struct Cache {
    capacity: usize,
    total: u64,
}

pub enum CacheCall {
    Add(u64),
    Capacity,
}

pub enum CacheCast {
    Crash,
}

impl GenServer for Cache {
    type Args = usize;
    type Call = CacheCall;
    type Reply = u64;
    type Cast = CacheCast;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(capacity: usize, _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Cache { capacity, total: 0 })
    }

    async fn handle_call(&mut self, call: CacheCall, _: &mut Context<Self>) -> u64 {
        match call {
            CacheCall::Add(n) => {
                self.total += n;
                self.total
            }
            CacheCall::Capacity => self.capacity as u64,
        }
    }

    async fn handle_cast(&mut self, cast: CacheCast, _: &mut Context<Self>) {
        match cast {
            CacheCast::Crash => panic!("cache crashed"),
        }
    }
}

/// The typed client of [`Cache`].
#[derive(Clone, Debug)]
pub struct CacheClient(Client<Cache>);

impl From<Client<Cache>> for CacheClient {
    fn from(client: Client<Cache>) -> Self {
        CacheClient(client)
    }
}

impl CacheClient {
    pub async fn add(&self, n: u64) -> Result<u64, CallError> {
        self.0.call(CacheCall::Add(n)).await
    }

    pub async fn capacity(&self) -> Result<u64, CallError> {
        self.0.call(CacheCall::Capacity).await
    }

    pub fn crash(&self) {
        let _ = self.0.cast(CacheCast::Crash);
    }

    pub fn raw(&self) -> &Client<Cache> {
        &self.0
    }
}

impl HasClient for Cache {
    type Client = CacheClient;
}

// ---------------------------------------------------------------------------------------------

/// A database pool: answers its URL.
pub struct DbPool {
    url: String,
}

impl GenServer for DbPool {
    type Args = String;
    type Call = ();
    type Reply = String;
    type Cast = ();
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(url: String, _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(DbPool { url })
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> String {
        self.url.clone()
    }

    /// A cast crashes the pool.
    async fn handle_cast(&mut self, _: (), _: &mut Context<Self>) {
        panic!("pool crashed");
    }
}

impl HasClient for DbPool {
    type Client = Client<DbPool>;
}

/// Writes through the pool it was given: its init argument is the pool's client.
pub struct Writer {
    pool: Client<DbPool>,
}

impl GenServer for Writer {
    type Args = Client<DbPool>;
    type Call = ();
    type Reply = Result<String, CallError>;
    type Cast = Infallible;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(pool: Client<DbPool>, _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Writer { pool })
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> Result<String, CallError> {
        Ok(format!("flushed to {}", self.pool.call(()).await?))
    }
}

/// The typed client of [`Writer`].
#[derive(Clone)]
pub struct WriterClient(Client<Writer>);

impl From<Client<Writer>> for WriterClient {
    fn from(client: Client<Writer>) -> Self {
        WriterClient(client)
    }
}

impl WriterClient {
    pub async fn flush(&self) -> Result<String, CallError> {
        self.0.call(()).await?
    }
}

impl HasClient for Writer {
    type Client = WriterClient;
}

// ---------------------------------------------------------------------------------------------

/// A job of a dynamic supervisor: answers its number.
pub struct Job(u32);

impl GenServer for Job {
    type Args = u32;
    type Call = ();
    type Reply = u32;
    type Cast = Infallible;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Job(n))
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 {
        self.0
    }
}

impl HasClient for Job {
    type Client = Client<Job>;
}

// ---------------------------------------------------------------------------------------------

/// A server that logs its lifecycle and can be told to crash, stop or stall. Its two init
/// arguments make its `Args` a tuple: `Probe("a", log.clone())`.
pub struct Probe {
    name: &'static str,
    log: Log,
}

pub enum ProbeCast {
    Crash,
    Stop(ExitReason),
    /// Busy for this long (on tokio's clock): misses pings meanwhile.
    Stall(Duration),
}

#[derive(Debug)]
pub struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused to init")
    }
}

impl std::error::Error for Refused {}

impl GenServer for Probe {
    type Args = (&'static str, Log);
    type Call = ();
    type Reply = &'static str;
    type Cast = ProbeCast;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Refused;

    async fn init(
        (name, log): (&'static str, Log),
        _: &mut Context<Self>,
    ) -> Result<Self, Refused> {
        if name == "refuses" {
            log.push(format!("init {name} refused"));
            return Err(Refused);
        }
        log.push(format!("init {name}"));
        Ok(Probe { name, log })
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> &'static str {
        self.name
    }

    async fn handle_cast(&mut self, cast: ProbeCast, ctx: &mut Context<Self>) {
        match cast {
            ProbeCast::Crash => panic!("{} crashed", self.name),
            ProbeCast::Stop(reason) => ctx.stop(reason),
            ProbeCast::Stall(d) => tokio::time::sleep(d).await,
        }
    }

    async fn terminate(&mut self, reason: &ExitReason) {
        self.log.push(format!("terminate {}: {reason}", self.name));
    }
}

impl HasClient for Probe {
    type Client = Client<Probe>;
}

/// A task that logs its start and then runs until stopped.
pub async fn ticker(name: &'static str, log: Log) {
    log.push(format!("start {name}"));
    std::future::pending::<()>().await;
}

/// A task that logs its start and ends at once, normally.
pub async fn one_shot(name: &'static str, log: Log) {
    log.push(format!("run {name}"));
}
