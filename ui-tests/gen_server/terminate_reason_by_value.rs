// `terminate` borrows the exit reason.
use perennial::gen_server;
use perennial::prelude::*;

struct A;

#[gen_server]
impl A {
    fn init() -> Self {
        A
    }

    async fn terminate(&mut self, reason: ExitReason) {
        let _ = reason;
    }
}

struct B;

#[gen_server]
impl B {
    fn init() -> Self {
        B
    }

    fn terminate(&mut self, reason: &mut ExitReason) {
        let _ = reason;
    }
}

struct C;

#[gen_server]
impl C {
    fn init() -> Self {
        C
    }

    fn terminate(&mut self, code: i32) {
        let _ = code;
    }
}

fn main() {}
