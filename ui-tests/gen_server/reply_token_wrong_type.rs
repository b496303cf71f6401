// A reply token carries the type the caller gets: kept where tokens of another type go, or
// answered with another type, it is a type error at the user's code.
use perennial::gen_server;
use perennial::prelude::*;

struct Conn;

struct Pool {
    waiting: Vec<ReplyTo<String>>,
}

#[gen_server]
impl Pool {
    fn init() -> Self {
        Pool { waiting: Vec::new() }
    }

    #[call]
    fn checkout(&mut self, reply: ReplyTo<Conn>) {
        self.waiting.push(reply);
    }

    #[call]
    fn count(&mut self, reply: ReplyTo<u64>) {
        reply.reply("none");
    }
}

fn main() {}
