// Without `init`, the error points at the method that was meant to be it: a near miss of the
// name (`int`), another library's word (`on_start`), or a function that builds the state.
use perennial::gen_server;

struct A;

#[gen_server]
impl A {
    fn int() -> Self {
        A
    }
}

struct B;

#[gen_server]
impl B {
    async fn on_start(_n: u8) -> Result<Self, std::io::Error> {
        Ok(B)
    }
}

struct C;

#[gen_server]
impl C {
    fn new() -> Self {
        C
    }

    #[call]
    fn get(&self) -> u8 {
        1
    }
}

fn main() {}
