// The attribute's own options: unknown, duplicated, missing or malformed values.
use perennial::gen_server;

struct A;

#[gen_server(viz = pub, client = 1, vis = pub, vis = pub(crate), crate)]
impl A {
    fn init() -> Self {
        A
    }
}

struct B;

#[gen_server(vis = private)]
impl B {
    fn init() -> Self {
        B
    }
}

fn main() {}
