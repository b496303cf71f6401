// Replies given later: the token anywhere among the arguments, next to the context, in sync
// and async handlers, with `Self` in its type; the client methods are ordinary calls.
use perennial::gen_server;
use perennial::prelude::*;

pub struct Pool {
    idle: Vec<u32>,
    waiting: Vec<ReplyTo<u32>>,
    names: Vec<ReplyTo<Option<Self>>>,
}

#[gen_server]
impl Pool {
    fn init() -> Self {
        Pool { idle: Vec::new(), waiting: Vec::new(), names: Vec::new() }
    }

    #[call]
    fn checkout(&mut self, reply: ReplyTo<u32>) {
        match self.idle.pop() {
            Some(conn) => reply.reply(conn),
            None => self.waiting.push(reply),
        }
    }

    #[call]
    async fn checkout_for(&mut self, who: String, ctx: &mut Context<Self>, reply: ReplyTo<(String, u32)>) {
        let _ = ctx.name();
        tokio::spawn(async move { reply.reply((who, 1)) });
    }

    #[call]
    fn clone_pool(&mut self, reply: perennial::ReplyTo<Option<Self>>) {
        self.names.push(reply);
    }

    #[call]
    fn direct(&self) -> usize {
        self.waiting.len()
    }
}

async fn client_methods(pool: PoolClient) -> Result<(), CallError> {
    let _: u32 = pool.checkout().await?;
    let _: (String, u32) = pool.checkout_for("me".to_string()).await?;
    let _: Option<Pool> = pool.clone_pool().await?;
    let _: usize = pool.direct().await?;
    Ok(())
}

fn main() {
    let _ = client_methods;
}
