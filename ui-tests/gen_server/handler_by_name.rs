// Handlers are found by their attribute, not by their name: a method named like OTP's (or
// ractor's) handler callbacks, without the attribute, would never be called, so it is refused.
use perennial::gen_server;

pub struct Tick;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    async fn handle_info(&mut self, _msg: Tick) {
        self.n += 1;
    }

    fn handle_cast(&mut self, by: i64) {
        self.n += by;
    }

    fn handle_call(&self) -> i64 {
        self.n
    }

    fn handle_continue(&mut self, _step: u8) {}

    fn handle_infos(&mut self, _msg: Tick) {}

    fn handel_cast(&mut self, _by: i64) {}

    fn handle_down(&mut self, _down: perennial::Down) {}

    // Not a near miss: a helper.
    fn handle_cancel(&mut self) {}
}

fn main() {}
