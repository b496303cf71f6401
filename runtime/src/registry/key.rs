//! [`Key`]: a typed name, the name of an `S` server as a value.

use std::fmt;
use std::marker::PhantomData;

use crate::GenServer;

/// A typed name: the name of an `S` server, as a value. `supervision_tree!` generates one per
/// gen_server child, so a lookup by a name the tree does not declare does not compile.
///
/// ```
/// # use std::convert::Infallible;
/// # use perennial_runtime::{Context, GenServer};
/// # struct Cache;
/// # impl GenServer for Cache {
/// #     type Args = (); type Call = (); type Reply = u32; type Cast = Infallible;
/// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
/// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Cache) }
/// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { 7 }
/// # }
/// use perennial_runtime::registry::{Key, Registry};
///
/// const CACHE: Key<Cache> = Key::new("cache");
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = Registry::new();
/// Cache::builder().register(&registry, CACHE.name()).start(()).await?;
/// assert_eq!(registry.get(CACHE).call(()).await?, 7);
/// # Ok(())
/// # }
/// ```
// No bound on `S` here, only on the impls: a key's type names its server, and a type that is
// not one is reported where the key is made, not again wherever the type is written.
pub struct Key<S> {
    name: &'static str,
    _server: PhantomData<fn() -> S>,
}

impl<S: GenServer> Key<S> {
    /// The key of the `S` server named `name`.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Cache;
    /// # impl GenServer for Cache {
    /// #     type Args = (); type Call = (); type Reply = u32; type Cast = Infallible;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Cache) }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { 7 }
    /// # }
    /// use perennial_runtime::registry::Key;
    ///
    /// const CACHE: Key<Cache> = Key::new("cache");
    /// assert_eq!(CACHE.name(), "cache");
    /// ```
    pub const fn new(name: &'static str) -> Self {
        Key {
            name,
            _server: PhantomData,
        }
    }

    /// The name.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Cache;
    /// # impl GenServer for Cache {
    /// #     type Args = (); type Call = (); type Reply = u32; type Cast = Infallible;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Cache) }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { 7 }
    /// # }
    /// use perennial_runtime::registry::{Key, Registry};
    ///
    /// const CACHE: Key<Cache> = Key::new("cache");
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// Cache::builder().register(&registry, CACHE.name()).start(()).await?;
    /// assert_eq!(registry.names(), [CACHE.name().into()]);
    /// # Ok(())
    /// # }
    /// ```
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<S: GenServer> Clone for Key<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: GenServer> Copy for Key<S> {}

impl<S: GenServer> fmt::Debug for Key<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("type", &std::any::type_name::<S>())
            .field("name", &self.name)
            .finish()
    }
}
