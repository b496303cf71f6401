use perennial::prelude::*;

/// Not serde-serialisable: no derives.
pub struct Entry {
    pub cents: i64,
}

pub struct Receipt;

struct Ledger(i64);

#[gen_server(remote)]
impl Ledger {
    fn init() -> Self {
        Ledger(0)
    }

    #[call]
    fn append(&mut self, entry: Entry) -> Receipt {
        self.0 += entry.cents;
        Receipt
    }

    #[cast]
    fn note(&mut self, text: String) {
        let _ = text;
    }
}

fn main() {}
