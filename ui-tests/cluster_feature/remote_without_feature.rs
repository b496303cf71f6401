use perennial::prelude::*;

struct Ledger(u64);

#[gen_server(remote)]
impl Ledger {
    fn init() -> Self {
        Ledger(0)
    }

    #[call]
    fn total(&self) -> u64 {
        self.0
    }
}

fn main() {}
