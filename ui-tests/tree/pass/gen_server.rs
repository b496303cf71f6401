// Children written with #[gen_server]: the fields are their generated clients, and init's
// arguments make `Args` (none: `()`, one: its type, several: a tuple).
use perennial::gen_server;
use perennial::supervision_tree;

pub struct Cache;

#[gen_server]
impl Cache {
    fn init(_capacity: usize) -> Self {
        Cache
    }

    #[call]
    fn add(&mut self, n: u64) -> u64 {
        n
    }
}

pub struct Pool;

#[gen_server]
impl Pool {
    async fn init(_url: String, _size: u32) -> Result<Self, std::io::Error> {
        Ok(Pool)
    }
}

pub struct Writer;

#[gen_server]
impl Writer {
    fn init(_pool: PoolClient, _batch: usize) -> Self {
        Writer
    }

    #[call]
    fn flush(&self) {}
}

pub struct Clock;

#[gen_server]
impl Clock {
    fn init() -> Self {
        Clock
    }
}

supervision_tree! {
    pub struct App(url: String);
    app: supervisor {
        cache: Cache(1024),
        clock: Clock,
        db: supervisor(strategy = rest_for_one) {
            pool: Pool(url.clone(), 4),
            writer: Writer(pool, 100),
        },
        jobs: dynamic_supervisor<Cache>(max_children = 10),
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let app = App::start(String::from("postgres://")).await?;
    let _: &CacheClient = &app.cache;
    let _: &ClockClient = &app.clock;
    let _: &WriterClient = &app.db.writer;
    let _: u64 = app.cache.add(1).await?;
    app.db.writer.flush().await?;
    let _ = CacheClient::from(app.jobs.start_child(7).await?);
    let _: CacheClient = app.registry().get(App::CACHE).into();

    let inline = supervision_tree! {
        app: supervisor { clock: Clock, cache: Cache(16) }
    }
    .start()
    .await?;
    let _: &ClockClient = &inline.clock;
    inline.shutdown().await;
    app.shutdown().await;
    Ok(())
}

fn main() {
    let _ = run;
}
