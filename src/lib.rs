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

pub mod guide;

/// perennial beyond one machine (the `cluster` feature): membership, global names with
/// fencing tokens, and `scope = global` children, on etcd. This is the
/// [`perennial_cluster`] crate; the [guide's chapter](crate::guide::cluster) tells the design,
/// the guarantees and the limits.
#[cfg(feature = "cluster")]
pub use perennial_cluster as cluster;

/// The names most programs need: `use perennial::prelude::*;` brings both macros, the
/// [`GenServer`] trait and its [`Context`], references, the registry, exit reasons and errors,
/// and the types of `supervision_tree!`'s options given as expressions (a tree read from
/// configuration): [`Strategy`](supervisor::Strategy), [`Restart`](supervisor::Restart),
/// [`Shutdown`](supervisor::Shutdown), [`Backoff`](supervisor::Backoff),
/// [`HealthCheck`](supervisor::HealthCheck), [`AutoShutdown`](supervisor::AutoShutdown) and
/// [`Duration`](std::time::Duration).
///
/// ```
/// use perennial::prelude::*;
///
/// struct Counter(u64);
///
/// #[gen_server]
/// impl Counter {
///     fn init(start: u64) -> Self {
///         Counter(start)
///     }
///
///     #[call]
///     fn get(&self) -> u64 {
///         self.0
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let app = supervision_tree! { app: supervisor { counter: Counter(7) } }
///     .start()
///     .await?;
/// assert_eq!(app.counter.get().await?, 7);
/// app.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub mod prelude {
    pub use perennial_macros::{gen_server, supervision_tree};
    pub use perennial_runtime::supervisor::{
        AutoShutdown, Backoff, HealthCheck, Restart, Shutdown, Strategy,
    };
    pub use perennial_runtime::{
        CallError, CancellationToken, CastError, Context, ExitReason, GenServer, NamedRef,
        Registry, ReplyTo, ServerRef, StartError, TimerRef,
    };
    pub use std::time::Duration;
}

/// The README's examples, compiled and run as doc tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The optional features of this crate, as traits that generated code asks for: a tree that
/// needs one names it in its error. Not public API.
#[doc(hidden)]
pub mod features {
    /// Implemented when the `cluster` feature is on.
    #[diagnostic::on_unimplemented(
        message = "`scope = global` needs the `cluster` feature of `perennial`",
        label = "a global child runs on one node of a cluster, which the `cluster` feature provides",
        note = "enable it in Cargo.toml: `perennial = {{ version = \"..\", features = [\"cluster\"] }}`"
    )]
    pub trait ClusterFeature {}

    #[cfg(feature = "cluster")]
    impl ClusterFeature for () {}

    /// Asked at `global` in `scope = global`.
    pub const fn cluster<T: ClusterFeature>() {}

    /// Implemented when the `cluster` feature is on.
    #[diagnostic::on_unimplemented(
        message = "`#[gen_server(remote)]` needs the `cluster` feature of `perennial`",
        label = "a remote server is called from other nodes of a cluster, which the `cluster` feature provides",
        note = "enable it in Cargo.toml: `perennial = {{ version = \"..\", features = [\"cluster\"] }}`"
    )]
    pub trait RemoteFeature {}

    #[cfg(feature = "cluster")]
    impl RemoteFeature for () {}

    /// Asked at `remote` in `#[gen_server(remote)]`.
    pub const fn remote<T: RemoteFeature>() {}
}

/// The message enums of a `#[gen_server(remote)]` server: with the `cluster` feature they
/// derive serde (through the cluster crate's, named by the string first), without it they are
/// left as they are (the missing feature is reported at `remote`). Not public API.
#[cfg(feature = "cluster")]
#[doc(hidden)]
#[macro_export]
macro_rules! __remote_messages {
    ($serde:tt $($item:tt)*) => {
        #[derive(
            $crate::__private::cluster::serde::Serialize,
            $crate::__private::cluster::serde::Deserialize
        )]
        #[serde(crate = $serde)]
        $($item)*
    };
}

/// The message enums of a `#[gen_server(remote)]` server: with the `cluster` feature they
/// derive serde (through the cluster crate's, named by the string first), without it they are
/// left as they are (the missing feature is reported at `remote`). Not public API.
#[cfg(not(feature = "cluster"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __remote_messages {
    ($serde:tt $($item:tt)*) => {
        // Derives nothing: only accepts the fields' `#[serde(..)]` attributes.
        #[derive($crate::__private::SerdeAttributes)]
        $($item)*
    };
}

/// Paths used by generated code. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use perennial_macros::__SerdeAttributes as SerdeAttributes;
    /// The runtime's one surface for generated code (its own `__private`).
    pub use perennial_runtime::__private::*;

    /// What a tree with `scope = global` children expands to: the cluster crate's tree types
    /// with the `cluster` feature, stand-ins that only carry the feature's error without it.
    #[cfg(feature = "cluster")]
    pub mod cluster {
        /// The serde that `#[gen_server(remote)]` derives with: the cluster crate's.
        pub use perennial_cluster::__serde as serde;
        pub use perennial_cluster::RemoteMessage;
        pub use perennial_cluster::tree::{
            ClusterTree, ClusterTreeSpec, ExportIfRemote, ExportProbe, KeepLocal, exported_child,
            global_child,
        };
        pub use perennial_cluster::{Cluster, ClusterError, NameBackend};

        pub use crate::features::cluster as require_cluster_feature;
        pub use crate::features::remote as require_remote_feature;
    }

    /// What a tree with `scope = global` children expands to: the cluster crate's tree types
    /// with the `cluster` feature, stand-ins that only carry the feature's error without it.
    #[cfg(not(feature = "cluster"))]
    pub mod cluster {
        use core::marker::PhantomData;

        use perennial_runtime::Registry;
        use perennial_runtime::supervisor::{ChildSpec, SupervisorHandle, SupervisorSpec};

        pub use crate::features::cluster as require_cluster_feature;
        pub use crate::features::remote as require_remote_feature;

        pub struct ClusterTreeSpec<T>(PhantomData<fn() -> T>);
        pub struct ClusterTree<T>(PhantomData<fn() -> T>);
        pub struct Cluster<B>(PhantomData<fn() -> B>);
        pub struct ClusterError;
        pub struct GlobalChild;
        pub trait NameBackend {}

        impl<T> ClusterTreeSpec<T> {
            pub fn new(
                _build: impl FnOnce(&Registry) -> (SupervisorSpec, Vec<GlobalChild>),
                _attach: fn(SupervisorHandle) -> T,
            ) -> Self {
                ClusterTreeSpec(PhantomData)
            }

            pub async fn start_in_cluster<B: NameBackend>(
                self,
                _cluster: &Cluster<B>,
            ) -> Result<ClusterTree<T>, ClusterError> {
                Err(ClusterError)
            }

            pub async fn start_in_cluster_with<B: NameBackend>(
                self,
                _cluster: &Cluster<B>,
                _registry: &Registry,
            ) -> Result<ClusterTree<T>, ClusterError> {
                Err(ClusterError)
            }
        }

        pub fn global_child(_kind: &'static str, _spec: ChildSpec) -> GlobalChild {
            GlobalChild
        }

        pub fn exported_child<S>(_spec: ChildSpec) -> GlobalChild {
            GlobalChild
        }

        pub struct ExportProbe<S>(PhantomData<fn() -> S>);

        impl<S> ExportProbe<S> {
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                ExportProbe(PhantomData)
            }
        }

        pub trait ExportIfRemote {}

        pub trait KeepLocal {
            fn global_child(&self, spec: ChildSpec) -> GlobalChild;
        }

        impl<S> KeepLocal for &ExportProbe<S> {
            fn global_child(&self, _spec: ChildSpec) -> GlobalChild {
                GlobalChild
            }
        }
    }
}
