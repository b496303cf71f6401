//! Trees declared with `supervision_tree!` that have `scope = global` children: what the
//! macro's expansion builds when the `perennial` facade's `cluster` feature is on.
//!
//! The macro makes a [`ClusterTreeSpec`] instead of a `TreeSpec`: the root supervisor's local
//! children as usual, and each global child as a [`GlobalChild`] whose spec the cluster layer
//! adds to the root when this node claims its name. Starting it in a [`Cluster`] gives a
//! [`ClusterTree`]: the typed tree (its fields, clients bound to names, work for global
//! children too: a call reaches the child while this node runs it, and gets `NotRunning` at
//! once while another node does), plus what [`RunningTree`] tells about the global names.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;

use perennial_runtime::supervisor::{ChildSpec, SupervisorHandle, SupervisorSpec};
use perennial_runtime::{ExitReason, Registry};

use crate::backend::{FencingToken, NameBackend};
use crate::cluster::{Cluster, ClusterError};
use crate::remote::RemoteServer;
use crate::singleton::{GlobalChild, GlobalTree, RunningTree};

type Build = Box<dyn FnOnce(&Registry) -> (SupervisorSpec, Vec<GlobalChild>) + Send>;

/// A tree with `scope = global` children, not started yet: what `supervision_tree! { .. }`
/// evaluates to when a child of its root is `scope = global`, and what the `spec(..)`
/// function of such a named tree type returns. Start it in a [`Cluster`].
///
/// ```
/// use perennial_cluster::tree::ClusterTreeSpec;
/// use perennial_cluster::{Cluster, ClusterConfig, GlobalChild, MemoryBackend};
/// use perennial_runtime::supervisor::{ChildSpec, SupervisorHandle, SupervisorSpec};
///
/// // What the macro generates, in short: a typed view of the started root...
/// struct App {
///     root: SupervisorHandle,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // ...and a spec of its local part and its global children.
/// let spec = ClusterTreeSpec::new(
///     |_registry| {
///         let ledger = ChildSpec::task("ledger", || std::future::pending::<()>());
///         (SupervisorSpec::new("app"), vec![GlobalChild::from_spec("ledger", "task", move |_| ledger.clone())])
///     },
///     |root| App { root },
/// );
/// let node = Cluster::join(MemoryBackend::new(), ClusterConfig::new("shop", "a")).await?;
/// let app = spec.start_in_cluster(&node).await?;
/// let token = app.wait_holding("ledger").await;
/// assert_eq!(app.holding("ledger"), Some(token));
/// assert_eq!(app.root.name(), "app");
/// app.shutdown().await;
/// node.leave().await;
/// # Ok(())
/// # }
/// ```
pub struct ClusterTreeSpec<T> {
    build: Build,
    attach: fn(SupervisorHandle) -> T,
}

impl<T> ClusterTreeSpec<T> {
    /// A tree whose root spec and global children are made by `build` against the tree's
    /// registry, and whose typed view of the started root is made by `attach`.
    pub fn new(
        build: impl FnOnce(&Registry) -> (SupervisorSpec, Vec<GlobalChild>) + Send + 'static,
        attach: fn(SupervisorHandle) -> T,
    ) -> Self {
        ClusterTreeSpec {
            build: Box::new(build),
            attach,
        }
    }

    /// Starts the tree's local part with a registry of its own, and a standby for each global
    /// child (see [`GlobalTree::start`]).
    pub fn start_in_cluster<B: NameBackend>(
        self,
        cluster: &Cluster<B>,
    ) -> impl Future<Output = Result<ClusterTree<T>, ClusterError>> + Send + use<T, B> {
        self.start_in_cluster_with(cluster, &Registry::new())
    }

    /// [`start_in_cluster`](Self::start_in_cluster), with the tree's names in `registry`.
    /// (The specs are made at the call, so the returned future holds no closure of the
    /// tree's.)
    pub fn start_in_cluster_with<B: NameBackend>(
        self,
        cluster: &Cluster<B>,
        registry: &Registry,
    ) -> impl Future<Output = Result<ClusterTree<T>, ClusterError>> + Send + use<T, B> {
        let registry = registry.clone();
        let cluster = cluster.clone();
        let (spec, globals) = (self.build)(&registry);
        let attach = self.attach;
        async move {
            let tree = globals
                .into_iter()
                .fold(GlobalTree::new(spec), GlobalTree::global);
            let running = tree.start_in(&cluster, &registry).await?;
            let tree = attach(running.supervisor().clone());
            Ok(ClusterTree { tree, running })
        }
    }
}

impl<T> fmt::Debug for ClusterTreeSpec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterTreeSpec")
            .field("tree", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}

/// A started [`ClusterTreeSpec`]: the typed tree `T` (it dereferences to it) and its global
/// children's standing on this node.
///
/// Its [`shutdown`](Self::shutdown) stops the global children first and releases their names,
/// so another node takes them over at once; shutting the root supervisor down directly
/// (through `T`) stops them too, but leaves their names to expire with the node's lease.
pub struct ClusterTree<T> {
    tree: T,
    running: RunningTree,
}

impl<T> ClusterTree<T> {
    /// The token of the global child `name` if this node runs it now.
    pub fn holding(&self, name: &str) -> Option<FencingToken> {
        self.running.holding(name)
    }

    /// Waits until this node runs the global child `name`; returns its token.
    pub async fn wait_holding(&self, name: &str) -> FencingToken {
        self.running.wait_holding(name).await
    }

    /// Stops the global children (releasing their names), then the root supervisor.
    pub async fn shutdown(&self) -> ExitReason {
        self.running.shutdown().await
    }

    /// The global side of the tree.
    pub fn running(&self) -> &RunningTree {
        &self.running
    }

    /// The typed tree.
    pub fn tree(&self) -> &T {
        &self.tree
    }
}

impl<T> Deref for ClusterTree<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.tree
    }
}

impl<T: fmt::Debug> fmt::Debug for ClusterTree<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterTree")
            .field("tree", &self.tree)
            .finish_non_exhaustive()
    }
}

/// The global child a tree declares with `scope = global`: `spec` (named with its global
/// name) for every claim, registered as `kind` (the server's type name, or `task`).
#[doc(hidden)]
pub fn global_child(kind: &'static str, spec: ChildSpec) -> GlobalChild {
    let name = spec.name().to_owned();
    GlobalChild::from_spec(name, kind, move |_claim| spec.clone())
}

/// The global child a tree declares with `scope = global, export = true`: the gen_server `S`
/// started from `spec` (named with its global name), served to other nodes
/// ([`GlobalChild::export`]); `S` must be a [`RemoteServer`] (`#[gen_server(remote)]`).
///
/// ```
/// use perennial_cluster::tree::exported_child;
/// use perennial_runtime::supervisor::ChildSpec;
/// use perennial_runtime::{Client, Context, GenServer, HasClient};
/// # use std::convert::Infallible;
///
/// struct Clock;
///
/// impl GenServer for Clock {
///     type Args = ();
///     type Call = ();
///     type Reply = u64;
///     type Cast = ();
///     type Info = Infallible;
///     type Continue = Infallible;
///     type Error = Infallible;
///     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
///         Ok(Clock)
///     }
///     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u64 {
///         42
///     }
/// }
///
/// impl HasClient for Clock {
///     type Client = Client<Clock>;
/// }
///
/// let child = exported_child::<Clock>(ChildSpec::server::<Clock>("clock", ()));
/// assert!(child.is_exported());
/// assert_eq!(child.name(), "clock");
/// ```
pub fn exported_child<S: RemoteServer>(spec: ChildSpec) -> GlobalChild {
    global_child(std::any::type_name::<S>(), spec).export::<S>()
}

/// What `supervision_tree!` asks of a `scope = global` gen_server child that says nothing
/// about `export`: exported when `S` is a [`RemoteServer`] ([`ExportIfRemote`], chosen by
/// method resolution on `&ExportProbe<S>`), kept to its node's callers otherwise
/// ([`KeepLocal`]). Not public API.
#[doc(hidden)]
pub struct ExportProbe<S>(PhantomData<fn() -> S>);

impl<S> ExportProbe<S> {
    #[doc(hidden)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        ExportProbe(PhantomData)
    }
}

/// See [`ExportProbe`]. Not public API.
#[doc(hidden)]
pub trait ExportIfRemote {
    #[doc(hidden)]
    fn global_child(&self, spec: ChildSpec) -> GlobalChild;
}

impl<S: RemoteServer> ExportIfRemote for ExportProbe<S> {
    fn global_child(&self, spec: ChildSpec) -> GlobalChild {
        exported_child::<S>(spec)
    }
}

/// See [`ExportProbe`]. Not public API.
#[doc(hidden)]
pub trait KeepLocal {
    #[doc(hidden)]
    fn global_child(&self, spec: ChildSpec) -> GlobalChild;
}

impl<S> KeepLocal for &ExportProbe<S> {
    fn global_child(&self, spec: ChildSpec) -> GlobalChild {
        global_child(std::any::type_name::<S>(), spec)
    }
}
