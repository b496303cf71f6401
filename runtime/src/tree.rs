//! Trees declared with `supervision_tree!` (in the `perennial` crate): the unstarted
//! [`TreeSpec`], and the helpers its expansion calls.
//!
//! The macro generates a struct per supervisor of the tree, with one typed field per child, and
//! a [`TreeSpec`] of the root's struct. Starting the spec makes the registry (or takes yours),
//! builds the [`SupervisorSpec`] against it (a child passed an earlier sibling gets that
//! sibling's client from this registry), starts it, and hands back the typed tree.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::supervisor::{SupervisorHandle, SupervisorSpec, SupervisorStartError};
use crate::{HasClient, Registry};

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
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Counter(u32);
    /// # impl GenServer for Counter {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
    /// #     type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
    /// #         Ok(Counter(n))
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
    /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
    /// # }
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorHandle, SupervisorSpec};
    /// use perennial_runtime::tree::TreeSpec;
    ///
    /// /// A tree of one server, whose typed view is its root's handle.
    /// fn app() -> TreeSpec<SupervisorHandle> {
    ///     TreeSpec::new(
    ///         |_registry| {
    ///             SupervisorSpec::new("app").child(ChildSpec::server::<Counter>("counter", 7))
    ///         },
    ///         |root| root,
    ///     )
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let spec = app(); // nothing runs yet
    /// let app = spec.start().await?;
    /// assert_eq!(app.registry().named::<Counter>("counter").call(()).await?, 7);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Counter(u32);
    /// # impl GenServer for Counter {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
    /// #     type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
    /// #         Ok(Counter(n))
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
    /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
    /// # }
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorHandle, SupervisorSpec};
    /// use perennial_runtime::tree::TreeSpec;
    ///
    /// /// A tree of one server, whose typed view is its root's handle.
    /// fn app() -> TreeSpec<SupervisorHandle> {
    ///     TreeSpec::new(
    ///         |_registry| {
    ///             SupervisorSpec::new("app").child(ChildSpec::server::<Counter>("counter", 7))
    ///         },
    ///         |root| root,
    ///     )
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let first = app().start().await?;
    /// let second = app().start().await?; // a registry of its own: the same names again
    /// assert_eq!(first.registry().names(), ["app".into(), "counter".into()]);
    /// assert_eq!(second.registry().names(), ["app".into(), "counter".into()]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn start(self) -> Starting<T> {
        self.start_in(&Registry::new())
    }

    /// Starts the tree with its names in `registry`, shared with whoever else uses it. A name
    /// the tree declares that is already taken there fails the start. (The specs are made at
    /// the call, so the returned future holds no closure of the tree's.)
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Counter(u32);
    /// # impl GenServer for Counter {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
    /// #     type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
    /// #         Ok(Counter(n))
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
    /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
    /// # }
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorHandle, SupervisorSpec};
    /// use perennial_runtime::tree::TreeSpec;
    ///
    /// /// A tree of one server, whose typed view is its root's handle.
    /// fn app() -> TreeSpec<SupervisorHandle> {
    ///     TreeSpec::new(
    ///         |_registry| {
    ///             SupervisorSpec::new("app").child(ChildSpec::server::<Counter>("counter", 7))
    ///         },
    ///         |root| root,
    ///     )
    /// }
    /// use perennial_runtime::Registry;
    /// use perennial_runtime::supervisor::SupervisorStartError;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// app().start_in(&registry).await?;
    /// assert_eq!(registry.lookup::<Counter>("counter")?.call(()).await?, 7);
    /// // Its names are taken in that registry now.
    /// let again = app().start_in(&registry).await;
    /// assert!(matches!(again, Err(SupervisorStartError::AlreadyStarted { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_in(self, registry: &Registry) -> Starting<T> {
        let registry = registry.clone();
        let spec = (self.build)(&registry);
        Starting {
            root: Box::pin(async move { spec.start_in(&registry).await }),
            attach: self.attach,
        }
    }

    /// Starts the tree inside `scope` of `registry` ([`Registry::scope`]): every name of the
    /// tree is registered as `scope/name`, so one tree can be started once per scope in one
    /// registry. The started tree's clients, keys and handles use the scoped names; from
    /// outside, the full names reach them.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Counter(u32);
    /// # impl GenServer for Counter {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
    /// #     type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
    /// #         Ok(Counter(n))
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
    /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
    /// # }
    /// use perennial_runtime::supervisor::{ChildSpec, SupervisorHandle, SupervisorSpec};
    /// use perennial_runtime::tree::TreeSpec;
    ///
    /// /// A tree of one server, whose typed view is its root's handle.
    /// fn app() -> TreeSpec<SupervisorHandle> {
    ///     TreeSpec::new(
    ///         |_registry| {
    ///             SupervisorSpec::new("app").child(ChildSpec::server::<Counter>("counter", 7))
    ///         },
    ///         |root| root,
    ///     )
    /// }
    /// use perennial_runtime::Registry;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// app().start_scoped(&registry, "eu").await?;
    /// app().start_scoped(&registry, "us").await?; // the same tree, once per scope
    /// let names: Vec<String> = registry.names().iter().map(|n| n.to_string()).collect();
    /// assert_eq!(names, ["eu/app", "eu/counter", "us/app", "us/counter"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_scoped(self, registry: &Registry, scope: &str) -> Starting<T> {
        self.start_in(&registry.scope(scope))
    }
}

/// A tree being started: what [`TreeSpec::start`] (and `start_in`, `start_scoped`, and the
/// `start` of a tree type) returns. Await it for the started tree, or the error that stopped
/// its start.
///
/// Like its spec, it reaches the children its tree will have, so that using one before the
/// tree is started (`.await` forgotten) says to await it, at the use.
///
/// ```
/// # use perennial_runtime::supervisor::{ChildSpec, SupervisorHandle, SupervisorSpec};
/// use perennial_runtime::tree::TreeSpec;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let spec = TreeSpec::new(
///     |_registry| SupervisorSpec::new("app").child(ChildSpec::task("tick", || async {})),
///     |root: SupervisorHandle| root,
/// );
/// let starting = spec.start();
/// let root = starting.await?;
/// root.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[must_use = "a tree starts when the future `start` returned is awaited"]
pub struct Starting<T> {
    /// The root's start.
    root: Pin<Box<dyn Future<Output = Result<SupervisorHandle, SupervisorStartError>> + Send>>,
    /// The typed tree, made from the started root.
    attach: fn(SupervisorHandle) -> T,
}

impl<T> Future for Starting<T> {
    type Output = Result<T, SupervisorStartError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let attach = self.attach;
        self.root.as_mut().poll(cx).map(|root| root.map(attach))
    }
}

/// See [`TreeSpec`]'s: the children of a tree that is not started yet, reported as such.
impl<T: Tree> std::ops::Deref for Starting<T> {
    type Target = T::NotStarted;

    fn deref(&self) -> &T::NotStarted {
        // A struct of zero-sized fields: leaking it allocates nothing.
        Box::leak(Box::new(T::not_started()))
    }
}

impl<T> fmt::Debug for Starting<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Starting")
            .field("tree", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}

/// A spec reaches the children its tree will have, so that using one before the tree is
/// started (`app.counter.get()` where `app` is still the spec) is reported at the use, saying
/// to start the tree, rather than as an unknown field of `TreeSpec`. Nothing can be done with
/// them: every method is a compile error.
impl<T: Tree> std::ops::Deref for TreeSpec<T> {
    type Target = T::NotStarted;

    fn deref(&self) -> &T::NotStarted {
        // A struct of zero-sized fields: leaking it allocates nothing.
        Box::leak(Box::new(T::not_started()))
    }
}

/// A tree declared with `supervision_tree!` (implemented by the macro for the tree's struct):
/// what its spec reaches before it starts, one [`NotStarted`] per child, so that a child used
/// too early is reported as such.
pub trait Tree {
    /// The tree's children before it starts.
    type NotStarted: 'static;

    /// Them.
    fn not_started() -> Self::NotStarted;
}

/// A child of a tree that is not started yet, as its spec reaches it (see [`TreeSpec`]): `C` is
/// the gen_server's type for a gen_server child (its client's methods are then compile errors
/// that say to start the tree first), `ChildHandle` for a task.
///
/// `perennial`'s ui-test `tree/not_started.rs` shows the messages.
///
/// ```
/// use perennial_runtime::supervisor::ChildHandle;
/// use perennial_runtime::tree::NotStarted;
///
/// // What a task child `metrics` of a spec is, as `spec.metrics`: nothing to call.
/// let metrics: NotStarted<ChildHandle> = NotStarted::default();
/// let _ = metrics;
/// ```
pub struct NotStarted<C>(PhantomData<fn() -> C>);

impl<C> NotStarted<C> {
    /// The child `C` of a tree that is not started.
    ///
    /// ```
    /// use perennial_runtime::tree::NotStarted;
    ///
    /// let child: NotStarted<u8> = NotStarted::new();
    /// assert_eq!(format!("{child:?}"), "NotStarted<u8>");
    /// ```
    pub fn new() -> Self {
        NotStarted(PhantomData)
    }
}

impl<C> Default for NotStarted<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C> Clone for NotStarted<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for NotStarted<C> {}

impl<C> fmt::Debug for NotStarted<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NotStarted<{}>", std::any::type_name::<C>())
    }
}

/// Stand-ins for the started tree's own methods (`shutdown`, `join`, `supervisor`), reached
/// from its spec, so that calling one before the tree is started says so.
impl NotStarted<SupervisorHandle> {
    #[doc(hidden)]
    pub fn shutdown(&self) -> std::future::Pending<crate::ExitReason>
    where
        for<'a> crate::bounds::NotStartedTree: crate::bounds::StartedTree,
    {
        std::future::pending()
    }

    #[doc(hidden)]
    pub fn join(&self) -> std::future::Pending<crate::ExitReason>
    where
        for<'a> crate::bounds::NotStartedTree: crate::bounds::StartedTree,
    {
        std::future::pending()
    }

    #[doc(hidden)]
    pub fn supervisor(&self) -> &SupervisorHandle
    where
        for<'a> crate::bounds::NotStartedTree: crate::bounds::StartedTree,
    {
        unreachable!("a tree that is not started has no supervisor")
    }
}

/// The client of a `#[gen_server]` has stand-ins of its methods (implemented by the macro),
/// reached from a [`NotStarted`] child: each is a compile error that says to start the tree.
pub trait NotStartedClient {
    /// The stand-ins.
    type Methods: 'static;

    /// Them.
    fn methods() -> Self::Methods;
}

/// A gen_server child `S` reaches the stand-ins of its client's methods.
impl<S> std::ops::Deref for NotStarted<S>
where
    S: HasClient,
    S::Client: NotStartedClient,
{
    type Target = <S::Client as NotStartedClient>::Methods;

    fn deref(&self) -> &Self::Target {
        // A unit struct: leaking it allocates nothing.
        Box::leak(Box::new(<S::Client as NotStartedClient>::methods()))
    }
}

impl<T> fmt::Debug for TreeSpec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TreeSpec")
            .field("tree", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}
