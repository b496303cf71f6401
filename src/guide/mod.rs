//! The guide: one chapter per concept, each with examples that run as doc tests.
//!
//! 1. [`gen_server`]: writing a server, calling it, and what can go wrong.
//! 2. [`supervisors`]: trees of children, start order and the strategies.
//! 3. [`restarts`]: restart types, restart intensity and escalation; significant children.
//! 4. [`health`]: health checks.
//! 5. [`registry`]: names, typed lookups and references that survive restarts; names that fail
//!    fast, listeners, process groups and name scopes.
//! 6. [`shutdown`]: stopping children and trees, and signals.
//! 7. [`observability`]: lifecycle events, tracing and snapshots.
//! 8. [`testing`]: testing your own trees with tokio's paused clock.
//! 9. [`coming_from`]: for people coming from otpylib and fauxtp, the map of their features.
//! 10. [`deferred_replies`]: answering a call later, from a later message or another task.
//! 11. [`ignore`]: an `init` that declines to start, and what supervisors do with it.
//! 12. [`timers`]: infos a server sends itself later, every period, or when idle.
//! 13. [`monitors`]: being told when another process exits.
//! 14. [`streams`]: channels, sockets and intervals as a server's input.
//! 15. [`cluster`]: beyond one machine — global children on etcd, their guarantees and limits
//!     (the `cluster` feature).

#[doc = include_str!("gen_server.md")]
pub mod gen_server {}

#[doc = include_str!("supervisors.md")]
pub mod supervisors {}

#[doc = include_str!("restarts.md")]
pub mod restarts {}

#[doc = include_str!("health.md")]
pub mod health {}

#[doc = include_str!("registry.md")]
pub mod registry {}

#[doc = include_str!("shutdown.md")]
pub mod shutdown {}

#[doc = include_str!("observability.md")]
pub mod observability {}

#[doc = include_str!("testing.md")]
pub mod testing {}

#[doc = include_str!("coming_from.md")]
pub mod coming_from {}

#[doc = include_str!("deferred_replies.md")]
pub mod deferred_replies {}

#[doc = include_str!("ignore.md")]
pub mod ignore {}

#[doc = include_str!("timers.md")]
pub mod timers {}

#[doc = include_str!("monitors.md")]
pub mod monitors {}

#[doc = include_str!("streams.md")]
pub mod streams {}
#[cfg_attr(feature = "cluster", doc = include_str!("cluster.md"))]
#[cfg_attr(
    not(feature = "cluster"),
    doc = "# Beyond one machine\n\nThis chapter's examples need the `cluster` feature: read it \
           in documentation built with `--features cluster` (as docs.rs builds it)."
)]
pub mod cluster {}
