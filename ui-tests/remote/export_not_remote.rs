use perennial::prelude::*;

/// A gen_server, but not `#[gen_server(remote)]`.
struct Counter(u64);

#[gen_server]
impl Counter {
    fn init(start: u64) -> Self {
        Counter(start)
    }

    #[call]
    fn get(&self) -> u64 {
        self.0
    }
}

fn main() {
    let _ = supervision_tree! {
        app: supervisor {
            counter: Counter(0) { scope = global, export = true },
            // Not said: a server that is not remote is kept to this node's callers.
            quiet: Counter(1) { scope = global },
        }
    };
}
