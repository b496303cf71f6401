//! Trees declared with `supervision_tree!` (in the `perennial` crate): the unstarted
//! [`TreeSpec`], and the helpers its expansion calls.
//!
//! The macro generates a struct per supervisor of the tree, with one typed field per child, and
//! a [`TreeSpec`] of the root's struct. Starting the spec makes the registry (or takes yours),
//! builds the [`SupervisorSpec`] against it (a child passed an earlier sibling gets that
//! sibling's client from this registry), starts it, and hands back the typed tree.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::bounds::DynamicArgs;
use crate::supervisor::{
    Backoff, ChildSpec, DynamicSpec, DynamicSupervisor, HealthCheck, Restart, Shutdown,
    SupervisorHandle, SupervisorSpec, SupervisorStartError,
};
use crate::{Client, GenServer, HasClient, Key, Registry};

/// A supervision tree, not started yet: what `supervision_tree! { .. }` evaluates to, and what
/// the `spec(..)` function of a named tree type returns. Start it to get the typed tree `T`.
///
/// The init arguments of the children were evaluated once, when the spec was made; each start
/// and restart of a child gets a clone of them.
///
/// ```
/// # use std::convert::Infallible;
/// # use perennial_runtime::{Context, GenServer};
/// use perennial_runtime::supervisor::{ChildSpec, SupervisorHandle, SupervisorSpec};
/// use perennial_runtime::tree::TreeSpec;
///
/// // What the macro generates, in short: a typed view of the started root...
/// struct App {
///     root: SupervisorHandle,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // ...and a spec that builds the root against the tree's registry.
/// let spec = TreeSpec::new(
///     |_registry| SupervisorSpec::new("app").child(ChildSpec::task("tick", || async {})),
///     |root| App { root },
/// );
/// let app = spec.start().await?;
/// assert_eq!(app.root.name(), "app");
/// app.root.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct TreeSpec<T> {
    build: Box<dyn FnOnce(&Registry) -> SupervisorSpec + Send>,
    attach: fn(SupervisorHandle) -> T,
}

impl<T> TreeSpec<T> {
    /// A tree whose root spec is made by `build` against the tree's registry, and whose typed
    /// view of the started root is made by `attach`.
    pub fn new(
        build: impl FnOnce(&Registry) -> SupervisorSpec + Send + 'static,
        attach: fn(SupervisorHandle) -> T,
    ) -> Self {
        TreeSpec {
            build: Box::new(build),
            attach,
        }
    }

    /// Starts the tree with a registry of its own. Children start in declaration order, each
    /// after the previous one's `init`; if one fails, those already started are stopped in
    /// reverse order and the error names it.
    pub async fn start(self) -> Result<T, SupervisorStartError> {
        self.start_in(&Registry::new()).await
    }

    /// Starts the tree with its names in `registry`, shared with whoever else uses it. A name
    /// the tree declares that is already taken there fails the start. (The specs are made at
    /// the call, so the returned future holds no closure of the tree's.)
    pub fn start_in(
        self,
        registry: &Registry,
    ) -> impl Future<Output = Result<T, SupervisorStartError>> + Send {
        let registry = registry.clone();
        let spec = (self.build)(&registry);
        let attach = self.attach;
        async move {
            let root = spec.start_in(&registry).await?;
            Ok(attach(root))
        }
    }
}

impl<T> TreeSpec<T> {
    /// Starts the tree inside `scope` of `registry` ([`Registry::scope`]): every name of the
    /// tree is registered as `scope/name`, so one tree can be started once per scope in one
    /// registry. The started tree's clients, keys and handles use the scoped names; from
    /// outside, the full names reach them.
    pub fn start_scoped(
        self,
        registry: &Registry,
        scope: &str,
    ) -> impl Future<Output = Result<T, SupervisorStartError>> + Send + use<T> {
        let registry = registry.scope(scope);
        let spec = (self.build)(&registry);
        let attach = self.attach;
        async move {
            let root = spec.start_in(&registry).await?;
            Ok(attach(root))
        }
    }
}

impl<T> fmt::Debug for TreeSpec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TreeSpec")
            .field("tree", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}

/// The typed client of the `S` server named `name` in `registry`, bound to the name so that it
/// follows the server across restarts.
#[doc(hidden)]
pub fn client<S: HasClient>(registry: &Registry, name: &'static str) -> S::Client {
    S::Client::from(Client::from(registry.named::<S>(name)))
}

/// The options of a dynamic supervisor declared in a tree, applied by [`dynamic_spec`]: inside
/// a function whose bounds are checked once, so that a child type that can't be one is reported
/// once, at the type, rather than at each builder call.
#[doc(hidden)]
#[derive(Default)]
pub struct DynamicOptions {
    pub max_children: Option<usize>,
    pub intensity: Option<(u32, Duration)>,
    pub restart: Option<Restart>,
    pub shutdown: Option<Shutdown>,
    pub health: Option<Option<HealthCheck>>,
    pub backoff: Option<Backoff>,
}

/// The spec of the dynamic supervisor `name` of `S` children, with `options`.
#[doc(hidden)]
pub fn dynamic_spec<S>(name: &'static str, options: DynamicOptions) -> DynamicSpec<S>
where
    S: GenServer,
    S::Args: DynamicArgs,
{
    let mut spec = DynamicSpec::<S>::new(name);
    if let Some(max) = options.max_children {
        spec = spec.max_children(max);
    }
    if let Some((max_restarts, within)) = options.intensity {
        spec = spec.intensity(max_restarts, within);
    }
    if let Some(restart) = options.restart {
        spec = spec.restart(restart);
    }
    if let Some(shutdown) = options.shutdown {
        spec = spec.shutdown(shutdown);
    }
    if let Some(health) = options.health {
        spec = spec.health(health);
    }
    if let Some(backoff) = options.backoff {
        spec = spec.backoff(backoff);
    }
    spec
}

/// The child spec of a dynamic supervisor, for its parent.
#[doc(hidden)]
pub fn dynamic_child<S>(spec: &DynamicSpec<S>) -> ChildSpec
where
    S: GenServer,
    S::Args: DynamicArgs,
{
    ChildSpec::supervisor(spec.supervisor_spec())
}

/// The typed handle of a started dynamic supervisor, from its name-bound `handle`.
#[doc(hidden)]
pub fn dynamic_handle<S>(spec: &DynamicSpec<S>, handle: SupervisorHandle) -> DynamicSupervisor<S>
where
    S: GenServer,
    S::Args: DynamicArgs,
{
    spec.attach(handle)
}

/// The typed handle of a started dynamic supervisor of `S` children, from its name-bound
/// `handle` (the supervisor holds the options of the children it starts, so none are needed).
#[doc(hidden)]
pub fn dynamic_attach<S>(handle: SupervisorHandle) -> DynamicSupervisor<S>
where
    S: GenServer,
    S::Args: DynamicArgs,
{
    DynamicSupervisor::from_handle(handle)
}

/// The typed key of the `S` server named `name`, as a tree declares it: through a function
/// whose bound a child type that is not a gen_server has already failed at the same span, so
/// that it is not reported twice.
#[doc(hidden)]
pub const fn key<S: HasClient>(name: &'static str) -> Key<S> {
    Key::new(name)
}
