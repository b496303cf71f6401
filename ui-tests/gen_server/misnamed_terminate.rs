// `terminate` is found by its name: a near miss of it (or another library's word for it) would
// silently never run, so it is refused, with a pointer to the right name. One block each, as
// each is its own mistake.
use perennial::gen_server;
use perennial::prelude::*;

struct A;

#[gen_server]
impl A {
    fn init() -> Self {
        A
    }

    pub fn on_terminate(&mut self) {}
}

struct B;

#[gen_server]
impl B {
    fn init() -> Self {
        B
    }

    async fn terminated(&mut self, _reason: &ExitReason) {}
}

struct C;

#[gen_server]
impl C {
    fn init() -> Self {
        C
    }

    fn on_stop(&mut self) {}
}

struct D;

#[gen_server]
impl D {
    fn init() -> Self {
        D
    }

    // A helper with another shape is left alone.
    fn terminated(&self) -> bool {
        false
    }
}

fn main() {}
