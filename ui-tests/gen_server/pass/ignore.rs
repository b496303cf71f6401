// `init` may decline to start: `Option<Self>`, `Result<Option<Self>, E>`, an alias of `Result`
// around `Option<Self>`, the type written out, sync or async, with the context.
use perennial::gen_server;
use perennial::prelude::*;

struct Plain;

#[gen_server]
impl Plain {
    fn init(on: bool) -> Option<Self> {
        on.then_some(Plain)
    }
}

struct Fallible;

#[gen_server]
impl Fallible {
    async fn init(port: String, ctx: &mut Context<Self>) -> Result<Option<Fallible>, std::num::ParseIntError> {
        let _ = ctx.name();
        if port.is_empty() {
            return Ok(None);
        }
        let _: u16 = port.parse()?;
        Ok(Some(Fallible))
    }
}

struct Aliased;

#[gen_server]
impl Aliased {
    fn init() -> std::io::Result<Option<Self>> {
        Ok(None)
    }
}

async fn starts() -> Result<(), Box<dyn std::error::Error>> {
    let _: PlainClient = Plain::start_client(true).await?;
    let _: FallibleClient = Fallible::start_client(String::new()).await?;
    let _: AliasedClient = Aliased::start_client().await?;
    match Fallible::start(String::from("x")).await {
        Err(StartError::Init(perennial::InitError::Failed(e))) => drop(e),
        _ => {}
    }
    Ok(())
}

fn main() {
    let _ = starts;
}
