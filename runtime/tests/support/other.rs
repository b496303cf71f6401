//! The idle server: no init arguments, never fails, answers `()` calls and does nothing else.
//! Enough to start, supervise, kill and restart; and, where a test needs a server of another
//! type than the one it looks up, that other type (hence its name).
//!
//! The runtime's unit tests share it (as `test_support::Idle`, through a path attribute in
//! `src/lib.rs`), so it reaches the runtime's items through its parent module, which imports
//! them in both places.

use std::convert::Infallible;

use super::{Context, GenServer};

/// The idle server.
pub struct Other;

impl GenServer for Other {
    type Args = ();
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = Infallible;
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(_: (), _ctx: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Other)
    }

    async fn handle_call(&mut self, _: (), _ctx: &mut Context<Self>) {}
}
