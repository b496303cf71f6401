use std::convert::Infallible;
use std::rc::Rc;

use perennial::prelude::*;
use perennial::{Client, HasClient, supervision_tree};

/// Owns a connection that can't be cloned.
pub struct Conn;

pub struct Pool;

impl GenServer for Pool {
    type Args = Conn;
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(_: Conn, _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Pool)
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
}

impl HasClient for Pool {
    type Client = Client<Pool>;
}

async fn ticker(_every: Rc<u32>) {}

// Arguments are kept for restarts: each (re)start gets a clone, maybe on another thread.
fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            pool: Pool(Conn),
            ticker: task(ticker, Rc::new(5)),
        }
    };
}
