// Declining to start is `None` where the state would be: `Option<Self>`, or
// `Result<Option<Self>, E>` when init can also fail. An `Option` around the `Result`, or an
// `Option` of something else, is refused.
use perennial::gen_server;

#[derive(Debug)]
struct Bad;
impl std::fmt::Display for Bad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("bad")
    }
}
impl std::error::Error for Bad {}

struct Outside;

#[gen_server]
impl Outside {
    fn init() -> Option<Result<Self, Bad>> {
        None
    }
}

struct OfSomethingElse;

#[gen_server]
impl OfSomethingElse {
    fn init() -> Result<Option<u8>, Bad> {
        Ok(None)
    }
}

fn main() {}
