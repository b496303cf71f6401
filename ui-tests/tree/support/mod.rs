//! Stub gen_servers and tasks for the ui-tests: `supervision_tree!` expands the valid part of a
//! tree even when it reports mistakes, so the types a tree names must exist for its `.stderr`
//! to show only the macro's own messages.
#![allow(dead_code)]

use std::convert::Infallible;

use perennial::prelude::*;
use perennial::{Client, HasClient};

macro_rules! stub {
    ($($name:ident($args:ty)),* $(,)?) => {$(
        pub struct $name;

        impl GenServer for $name {
            type Args = $args;
            type Call = ();
            type Reply = ();
            type Cast = ();
            type Info = Infallible;
            type Continue = Infallible;
            type Error = Infallible;

            async fn init(_: $args, _: &mut Context<Self>) -> Result<Self, Infallible> {
                Ok($name)
            }

            async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
        }

        impl HasClient for $name {
            type Client = Client<$name>;
        }
    )*};
}

stub! {
    Cache(u32),
    Http(()),
    DbPool(()),
    Writer(Client<DbPool>),
    Reader(()),
    Reporter(()),
    Job(u32),
}

pub async fn metrics_loop() {}

pub async fn migrate() {}

pub async fn report(_every: u32) {}
