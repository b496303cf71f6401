//! The runtime of [perennial](https://docs.rs/perennial): Erlang/OTP-style gen_servers on tokio,
//! exit reasons that follow OTP, and a typed registry.
//!
//! Most users reach this crate through the `perennial` facade and its macros; everything here
//! also works by hand, without macros.
//!
//! - [`GenServer`]: a state with `init`, `handle_call`, `handle_cast`, `handle_info`,
//!   `handle_continue` and `terminate` callbacks, run one message at a time in its own task.
//! - [`ReplyTo`]: the right to answer a call later, taken by its handler (OTP's `From`).
//! - [`monitor`]: a server watches another process and gets a [`Down`] when it exits.
//! - [`streams`]: streams attached to a server, their items arriving as infos.
//! - [`timers`]: infos a server sends itself later, every period, or when idle; they die with
//!   it.
//! - [`ServerRef`]: the typed handle to one running server: calls with a timeout (5 s by
//!   default), casts that never block, ping, stop, kill, and a monitor of its exit.
//! - [`ExitReason`]: how a server ended (`Normal`, `Shutdown`, `Killed`, `Error`, `Panic`, ...).
//!   Panics in callbacks are caught and become exit reasons; they never take down the caller.
//! - [`Registry`] and [`NamedRef`]: names bound to running servers; lookups are typed and never
//!   return a dead server, and name-bound references keep working across restarts.
//! - [`bounds`]: the bounds the macros check, named in their compile errors.
//! - [`supervisor`]: supervisors, dynamic supervisors and their handles; [`tree::TreeSpec`] is
//!   what a tree declared with `supervision_tree!` is before it starts.

#![deny(missing_docs)]
// Nothing a user or a crashing child does may reach an unwrap in the runtime.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

#[doc(hidden)]
pub mod __private;
pub mod bounds;
mod client;
mod deferred;
mod error;
mod exit;
mod gen_server;
mod mailbox;
pub mod monitor;
pub mod panics;
mod process;
mod registry;
mod reply;
mod request;
mod server_ref;
pub mod streams;
pub mod supervisor;
mod sync;
mod task;
pub mod timers;
pub mod tree;
mod watchers;

#[cfg(all(test, loom))]
mod loom_support;

pub use client::{Client, HasClient, RemoteReply, RemoteTarget};
pub use deferred::ReplyTo;
pub use error::{CallError, CastError, InitError, LookupError, StartError};
pub use exit::{Escalation, ExitReason};
pub use gen_server::{Context, GenServer, ServerBuilder};
pub use monitor::{Down, DownReason, MonitorRef, Monitorable};
pub use process::ProcessId;
pub use registry::{
    Group, GroupChange, GroupError, GroupEvent, GroupListener, GroupRef, Key, LISTENER_BUFFER,
    Lagged, NamedRef, Registry, RegistryChange, RegistryEvent, RegistryListener,
};
pub use request::DEFAULT_CALL_TIMEOUT;
pub use server_ref::ServerRef;
pub use streams::StreamRef;
pub use task::IntoExitReason;
pub use timers::TimerRef;
/// The shutdown signal a task child may take (tokio-util's): see
/// [`ChildSpec::task_with_shutdown`](supervisor::ChildSpec::task_with_shutdown).
pub use tokio_util::sync::CancellationToken;

/// Runs a wait with its task's coop budget spent at every other poll: shared with the
/// integration tests (see the file's docs), reached as `crate::test_support::starved`.
#[cfg(test)]
#[path = "../tests/support/starved.rs"]
mod starved;

/// The idle server, shared with the integration tests (see the file's docs), reached as
/// `crate::test_support::Idle`.
#[cfg(test)]
#[path = "../tests/support/other.rs"]
mod other;

/// What the unit tests of several modules share.
#[cfg(test)]
mod test_support {
    pub(crate) use super::starved;

    /// A server that only answers `()` calls: enough to start, supervise, kill and restart.
    pub(crate) use super::other::Other as Idle;
}
