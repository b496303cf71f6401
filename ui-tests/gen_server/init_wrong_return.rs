// init must return the state: Self or Result<Self, E>.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init(start: i64) -> Result<i64, std::io::Error> {
        Ok(start)
    }

    #[call]
    fn get(&self) -> i64 {
        self.n
    }
}

struct Timer;

#[gen_server]
impl Timer {
    fn init() -> u64 {
        0
    }
}

struct Clock;

#[gen_server]
impl Clock {
    fn init() {}
}

fn main() {}
