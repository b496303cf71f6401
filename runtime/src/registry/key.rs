//! Typed names: [`Key`], the name of an `S` server as a value, and the macro that makes it and
//! [`Group`](super::Group) alike.

/// A typed name, `pub struct $name<S>`: a `&'static str` that says the type of the server(s)
/// it names, with `new`, `name`, `Clone`, `Copy` and `Debug`; each type gives its own docs, in
/// this order.
///
/// No bound on `S` on the struct, only on the impls: the type names its server, and a type
/// that is not one is reported where the name is made, not again wherever the type is written.
macro_rules! typed_name {
    (
        $(#[$doc:meta])*
        pub struct $name:ident;
        $(#[$new:meta])*
        new;
        $(#[$get:meta])*
        name;
    ) => {
        $(#[$doc])*
        pub struct $name<S> {
            name: &'static str,
            _server: std::marker::PhantomData<fn() -> S>,
        }

        impl<S: $crate::GenServer> $name<S> {
            $(#[$new])*
            pub const fn new(name: &'static str) -> Self {
                $name {
                    name,
                    _server: std::marker::PhantomData,
                }
            }

            $(#[$get])*
            pub const fn name(&self) -> &'static str {
                self.name
            }
        }

        impl<S: $crate::GenServer> Clone for $name<S> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<S: $crate::GenServer> Copy for $name<S> {}

        impl<S: $crate::GenServer> std::fmt::Debug for $name<S> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("type", &std::any::type_name::<S>())
                    .field("name", &self.name)
                    .finish()
            }
        }
    };
}

pub(super) use typed_name;

typed_name! {
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
    /// use perennial_runtime::{Key, Registry};
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
    pub struct Key;

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
    /// use perennial_runtime::Key;
    ///
    /// const CACHE: Key<Cache> = Key::new("cache");
    /// assert_eq!(CACHE.name(), "cache");
    /// ```
    new;

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
    /// use perennial_runtime::{Key, Registry};
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
    name;
}
