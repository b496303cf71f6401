use perennial::prelude::*;

struct Ledger;

#[gen_server(remote = true)]
impl Ledger {
    fn init() -> Self {
        Ledger
    }
}

fn main() {}
