// A #[down] handler takes the news, `down: Down` (and the context if it likes), returns
// nothing, and a server has one; `handle_down` unmarked is refused like every handler callback.
use perennial::gen_server;
use perennial::prelude::*;

struct NoArgument;

#[gen_server]
impl NoArgument {
    fn init() -> Self {
        NoArgument
    }

    #[down]
    fn on_down(&mut self) {}
}

struct WrongType;

#[gen_server]
impl WrongType {
    fn init() -> Self {
        WrongType
    }

    #[down]
    fn on_down(&mut self, reason: ExitReason) {
        let _ = reason;
    }
}

struct TooMuch;

#[gen_server]
impl TooMuch {
    fn init() -> Self {
        TooMuch
    }

    #[down]
    fn on_down(&mut self, down: perennial::Down, extra: u8) -> bool {
        let _ = (down, extra);
        true
    }

    #[down]
    fn again(&mut self, down: perennial::Down) {
        let _ = down;
    }
}

struct Unmarked;

#[gen_server]
impl Unmarked {
    fn init() -> Self {
        Unmarked
    }

    fn handle_down(&mut self, down: perennial::Down) {
        let _ = down;
    }
}

fn main() {}
