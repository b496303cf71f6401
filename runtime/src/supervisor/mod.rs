//! Supervisors: start children in order, watch them, restart them by OTP's rules, and stop
//! them in reverse order.
//!
//! Build a [`SupervisorSpec`] of [`ChildSpec`]s (gen_servers, task functions, nested
//! supervisors), start it, and keep the [`SupervisorHandle`]:
//!
//! ```
//! use std::time::Duration;
//! use perennial_runtime::supervisor::{ChildSpec, Event, Restart, Strategy, SupervisorSpec};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sup = SupervisorSpec::new("app")
//!     .strategy(Strategy::OneForOne)
//!     .intensity(3, Duration::from_secs(5))
//!     .child(ChildSpec::task("worker", || async {
//!         // a task that finishes at once: transient, so it is not restarted
//!     }).restart(Restart::Transient))
//!     .start()
//!     .await?;
//! let mut events = sup.subscribe();
//! assert_eq!(sup.count_children().await?.specs, 1);
//! sup.shutdown().await;
//! assert!(events.wait_for(|e| matches!(e, Event::ShutDown { .. })).await.is_some());
//! # Ok(())
//! # }
//! ```
//!
//! # Semantics (Erlang/OTP's)
//!
//! - **Start**: children start in declaration order, each waiting for its `init`. If one fails,
//!   those already started are stopped in reverse order and the start fails naming the child.
//! - **Restart types** ([`Restart`]): permanent children are always restarted, transient ones
//!   only after an abnormal exit, temporary ones never (and are removed). An
//!   [`ExitReason::NoRestart`](crate::ExitReason::NoRestart) exit is never restarted.
//! - **Strategies** ([`Strategy`]): one_for_one restarts the child; one_for_all stops the
//!   others in reverse order and restarts all in order; rest_for_one does that for the children
//!   declared after the one that exited. Temporary bystanders are removed, not restarted.
//! - **Intensity** ([`Intensity`]): more than `max_restarts` restarts within `within` (default
//!   3 in 5 s) and the supervisor stops all its children in reverse order and exits with
//!   [`ExitReason::Escalated`](crate::ExitReason::Escalated), which its parent treats as that child's failure.
//! - **Failed restarts** are retried through the supervisor's mailbox (so its handle still
//!   answers) and count again; meanwhile the child shows as [`ChildState::Restarting`].
//! - **Shutdown** ([`Shutdown`]): in reverse start order; brutal_kill aborts, a timeout asks
//!   then aborts, infinity asks and waits. A dynamic supervisor stops all its children at once,
//!   under one timer.
//! - **Health checks** ([`HealthCheck`]) ping gen_server children; enough missed pongs in a row
//!   and the child is killed and restarted, counted in the intensity.
//! - **Registry**: a tree shares one [`Registry`](crate::Registry); every gen_server child and supervisor is
//!   registered under its name while it runs.

mod child;
pub(crate) mod dynamic;
mod error;
mod events;
mod flags;
mod handle;
mod info;
mod intensity;
mod server;
mod signals;
mod snapshot;
mod spec;
mod template;

pub use child::{Backoff, ChildKind, ChildSpec, HealthCheck, Restart, Shutdown};
pub use dynamic::{DynamicSpec, DynamicSupervisor};
pub use error::{SupervisorError, SupervisorStartError};
pub use events::{Event, EventStream};
pub use flags::{AutoShutdown, Strategy};
pub use handle::{ChildHandle, SupervisorHandle};
pub use info::{ChildCounts, ChildInfo, ChildState, HealthStatus};
pub use intensity::{DEFAULT_MAX_RESTARTS, DEFAULT_WITHIN, Intensity};
pub use signals::ShutdownGuard;
pub use snapshot::{Snapshot, SnapshotNode};
pub use spec::SupervisorSpec;

pub(crate) use server::SupervisorServer;
