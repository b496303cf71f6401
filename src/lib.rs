//! Erlang/OTP-style supervision trees for tokio.
//!
//! perennial runs your servers the way OTP does: each [`GenServer`] owns its state in its own
//! task, talks through typed calls and casts, and exits with an [`ExitReason`] that a supervisor
//! reads to decide what to restart. Panics are caught, calls never hang past their timeout,
//! and a [`Registry`] maps names to the server that holds them right now.
//!
//! This crate is the facade: it re-exports the runtime ([`perennial_runtime`]) and offers a
//! [`prelude`].

#![deny(missing_docs)]

pub use perennial_runtime::*;

pub use perennial_macros::gen_server;
pub use perennial_macros::supervision_tree;

/// The names most programs need: `use perennial::prelude::*;`.
pub mod prelude {
    pub use perennial_runtime::{
        CallError, CastError, Context, ExitReason, GenServer, NamedRef, Registry, ServerRef,
        StartError,
    };
}

/// Paths used by generated code. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use perennial_runtime as runtime;
}
