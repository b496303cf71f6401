use std::convert::Infallible;
use std::sync::Mutex;

use perennial::prelude::*;
use perennial::{Client, HasClient, supervision_tree};

mod support;
use support::*;

/// A gen_server whose init argument can't be cloned for restarts.
pub struct Session;

impl GenServer for Session {
    type Args = Mutex<u32>;
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(_: Mutex<u32>, _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Session)
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
}

impl HasClient for Session {
    type Client = Client<Session>;
}

fn main() {
    let _tree = supervision_tree! {
        app: supervisor {
            jobs: dynamic_supervisor<Job>,
            strings: dynamic_supervisor<String>,
            sessions: dynamic_supervisor<Session>,
        }
    };
}
