// An `init` returning `Self` cannot fail, nor decline to start: `None` (OTP's ignore) needs
// `-> Option<Self>` (or `-> Result<Option<Self>, E>`), and the type checker says so at the
// `None`.
use perennial::gen_server;

struct Feature;

#[gen_server]
impl Feature {
    fn init(enabled: bool) -> Self {
        if !enabled {
            return None;
        }
        Feature
    }

    #[call]
    fn hello(&self) -> u8 {
        1
    }
}

fn main() {}
