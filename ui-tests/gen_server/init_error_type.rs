// init's error type must be a std::error::Error: reported at the user's type by the compiler.
use perennial::gen_server;

mod support;
use support::Counter;

#[gen_server]
impl Counter {
    fn init(start: i64) -> Result<Self, String> {
        Ok(Counter { n: start })
    }

    #[call]
    fn get(&self) -> i64 {
        self.n
    }
}

fn main() {}
