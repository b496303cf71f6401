// A call that replies later takes `reply: ReplyTo<T>` by value and returns nothing; the token
// is refused wherever there is no call to answer, taken twice, borrowed, or without its type.
use perennial::gen_server;
use perennial::prelude::*;

struct Pool {
    waiting: Vec<ReplyTo<u32>>,
}

#[derive(Debug)]
struct Refused;
impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}
impl std::error::Error for Refused {}

#[gen_server]
impl Pool {
    fn init(reply: ReplyTo<u32>) -> Self {
        Pool { waiting: vec![reply] }
    }

    #[call]
    fn checkout(&mut self, reply: ReplyTo<u32>) -> u32 {
        self.waiting.push(reply);
        0
    }

    #[call]
    fn twice(&mut self, first: ReplyTo<u32>, second: ReplyTo<u32>) {
        self.waiting.push(first);
        self.waiting.push(second);
    }

    #[call]
    fn lent(&mut self, reply: &mut ReplyTo<u32>) {
        let _ = reply;
    }

    #[call]
    fn untyped(&mut self, reply: ReplyTo) {
        let _ = reply;
    }

    #[cast]
    fn checkin(&mut self, reply: ReplyTo<u32>) {
        self.waiting.push(reply);
    }

    #[info]
    fn tick(&mut self, reply: ReplyTo<u32>) {
        self.waiting.push(reply);
    }

    fn terminate(&mut self, reply: ReplyTo<u32>) {
        self.waiting.push(reply);
    }
}

fn main() {}
