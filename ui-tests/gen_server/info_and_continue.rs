// One info type per server, one continue type; neither returns anything.
use perennial::gen_server;

struct Tick;
struct Tock;

struct Clock {
    ticks: u64,
}

#[gen_server]
impl Clock {
    fn init() -> Self {
        Clock { ticks: 0 }
    }

    #[info]
    fn on_tick(&mut self, _tick: Tick) {
        self.ticks += 1;
    }

    #[info]
    fn on_tock(&mut self, _tock: Tock) {
        self.ticks += 1;
    }

    #[handle_continue]
    fn resume(&mut self, from: u64, to: u64) -> u64 {
        self.ticks = from + to;
        self.ticks
    }
}

fn main() {}
