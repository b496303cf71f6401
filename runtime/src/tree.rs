//! Trees declared with `supervision_tree!` (in the `perennial` crate): the unstarted
//! [`TreeSpec`], and the helpers its expansion calls.
//!
//! The macro generates a struct per supervisor of the tree, with one typed field per child, and
//! a [`TreeSpec`] of the root's struct. Starting the spec makes the registry (or takes yours),
//! builds the [`SupervisorSpec`] against it (a child passed an earlier sibling gets that
//! sibling's client from this registry), starts it, and hands back the typed tree.

use std::fmt;
use std::future::Future;

use crate::supervisor::{SupervisorHandle, SupervisorSpec, SupervisorStartError};
use crate::{Client, HasClient, Registry};

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
