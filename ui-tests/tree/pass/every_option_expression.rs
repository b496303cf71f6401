// Every option as a Rust expression of its type, in both forms: a tree read from configuration.
use perennial::prelude::*;
use perennial::supervision_tree;

#[path = "../support/mod.rs"]
mod support;
use support::*;

/// What a service reads from its configuration file.
#[derive(Clone, Copy)]
pub struct Config {
    pub strategy: Strategy,
    pub restarts: u32,
    pub window: Duration,
    pub grace: Duration,
    pub jobs: usize,
    pub failures: u32,
    pub factor: f64,
}

supervision_tree! {
    struct Options(cfg: Config);
    app: supervisor(strategy = cfg.strategy, max_restarts = cfg.restarts, within = cfg.window) {
        a: Cache(1) {
            restart = Restart::Transient,
            shutdown = Shutdown::Timeout(cfg.grace),
            health = Some(HealthCheck::default()),
            backoff = Some(Backoff { initial: cfg.grace, factor: cfg.factor, max: cfg.window }),
        },
        b: Cache(2) {
            shutdown = cfg.grace.into(),
            health = { interval = cfg.window, timeout = cfg.grace, failures = cfg.failures },
            backoff = { initial = cfg.grace, factor = cfg.factor, max = cfg.window },
        },
        c: Cache(3) { backoff = { initial = cfg.grace } },
        d: task(migrate) { restart = (cfg.restart_of_tasks()), backoff = (None) },
        e: supervisor(strategy = Strategy::OneForAll, within = Duration::from_secs(2), restart = Restart::Permanent) {
            f: Http,
        },
        jobs: dynamic_supervisor<Job>(max_children = cfg.jobs, max_restarts = 1 + cfg.restarts, within = cfg.window,
            children = { restart = Restart::Temporary, shutdown = Shutdown::BrutalKill, health = (None), backoff = off }),
        more: dynamic_supervisor<Job>(children = { health = { interval = cfg.window }, backoff = { max = cfg.window } }),
    }
}

impl Config {
    fn restart_of_tasks(&self) -> Restart {
        Restart::Transient
    }
}

fn main() {
    let cfg = Config {
        strategy: Strategy::RestForOne,
        restarts: 3,
        window: Duration::from_secs(5),
        grace: Duration::from_secs(1),
        jobs: 10,
        failures: 3,
        factor: 2.0,
    };
    let _spec = Options::spec(cfg);
    let strategy = cfg.strategy;
    let limit = cfg.jobs;
    let _inline = supervision_tree! {
        app: supervisor(strategy = (strategy), max_restarts = cfg.restarts, within = cfg.window) {
            a: Cache(1) { restart = Restart::Transient, shutdown = Shutdown::Infinity },
            jobs: dynamic_supervisor<Job>(max_children = limit),
        },
    };
}
