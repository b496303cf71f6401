use perennial::prelude::*;

struct Ledger;

#[gen_server]
impl Ledger {
    fn init() -> Self {
        Ledger
    }
}

fn main() {
    let _ = supervision_tree! {
        app: supervisor {
            ledger: Ledger() { scope = global },
        }
    };
}
