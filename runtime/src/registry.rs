//! The typed registry: names to running servers, and name-bound references that follow a name
//! across restarts.
//!
//! A server started with [`ServerBuilder::register`](crate::ServerBuilder::register) is
//! registered before its `init` runs and unregistered when it exits, before its exit is visible
//! to anyone (so a supervisor's restart can take the name again). A lookup returns the running
//! server or an error — never a server that has exited.
//!
//! Each name in use has one slot that outlives the servers registered in it. A [`NamedRef`]
//! holds the slot, so a call through it costs a read lock on that slot, not a lookup in the map.
//! A slot lives while a server is registered in it or a [`NamedRef`] holds it, and no longer:
//! the last of them to go removes it (under the map's lock, which is where slots are made), so
//! a registry used with ever new names does not grow.
//!
//! Here: the [`Registry`] and its map of names. Beside it: `slot` (a name's slot and a
//! supervisor's claim on it), `named` ([`NamedRef`]), `key` ([`Key`]), `groups` (process groups)
//! and `listeners` (subscriptions to registrations).

use std::fmt;
use std::sync::{Arc, PoisonError};

mod groups;
mod key;
mod listeners;
mod named;
mod slot;

use groups::Groups;
pub use groups::{Group, GroupChange, GroupError, GroupEvent, GroupListener, GroupRef};

pub use key::Key;
use listeners::Listeners;
pub use listeners::{LISTENER_BUFFER, Lagged, RegistryChange, RegistryEvent, RegistryListener};
pub use named::NamedRef;
pub(crate) use slot::NameClaim;
use slot::{Entry, Slot, SlotArc, Slots, lock};

use crate::process::Process;
use crate::sync::Ordering;
use crate::{GenServer, LookupError, ServerRef};

/// A set of names, each bound to at most one running server. Cheap to clone; clones share the
/// same names.
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
/// use perennial_runtime::{LookupError, Registry};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = Registry::new();
/// let cache = registry.named::<Cache>("cache"); // follows the name, whoever holds it
/// Cache::builder().register(&registry, "cache").start(()).await?;
/// assert_eq!(cache.call(()).await?, 7);
///
/// let missing = registry.lookup::<Cache>("nope").unwrap_err();
/// assert!(matches!(missing, LookupError::NotFound { .. }));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
pub struct Registry {
    slots: Arc<Slots>,
    listeners: Arc<Listeners>,
    groups: Arc<Groups>,
    /// For a scoped view ([`Registry::scope`]): what every name given to it is prefixed with
    /// (`tenant/`, the `/` included).
    prefix: Option<Arc<str>>,
}

pub(crate) enum RegisterError<S: GenServer> {
    AlreadyStarted(ServerRef<S>),
    NameTaken {
        name: Arc<str>,
        registered: &'static str,
    },
}

impl Registry {
    /// An empty registry.
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
    /// use perennial_runtime::Registry;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// assert!(registry.names().is_empty());
    /// let shared = registry.clone(); // the same names
    /// Counter::builder().register(&shared, "counter").start(0).await?;
    /// assert_eq!(registry.names(), ["counter".into()]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A view of this registry in which every name is taken inside `scope`: a name `cache`
    /// given to the view is `scope/cache` in the registry (and a view of a view nests:
    /// `a/b/cache`). Servers, name-bound references, lookups, keys and groups made through the
    /// view all use the scoped names, so one tree (or one subtree, see
    /// [`SupervisorSpec::scoped`](crate::supervisor::SupervisorSpec::scoped)) can be started
    /// many times in one registry, once per scope; from outside, the full names reach them.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Cache(u32);
    /// # impl GenServer for Cache {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = Infallible;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Cache(n)) }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// # }
    /// use perennial_runtime::Registry;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let (a, b) = (registry.scope("a"), registry.scope("b"));
    /// Cache::builder().register(&a, "cache").start(1).await?;
    /// Cache::builder().register(&b, "cache").start(2).await?; // the same name, another scope
    /// assert_eq!(a.named::<Cache>("cache").call(()).await?, 1);
    /// assert_eq!(registry.lookup::<Cache>("b/cache")?.call(()).await?, 2);
    /// assert_eq!(registry.names(), ["a/cache".into(), "b/cache".into()]);
    /// assert_eq!(a.names(), ["cache".into()]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn scope(&self, scope: &str) -> Registry {
        Registry {
            prefix: Some(format!("{}{scope}/", self.prefix.as_deref().unwrap_or_default()).into()),
            ..self.clone()
        }
    }

    /// The scope of this view, if it is one (`a/b` for `registry.scope("a").scope("b")`).
    ///
    /// ```
    /// use perennial_runtime::Registry;
    ///
    /// let registry = Registry::new();
    /// assert_eq!(registry.scope_name(), None);
    /// assert_eq!(registry.scope("a").scope("b").scope_name(), Some("a/b"));
    /// ```
    pub fn scope_name(&self) -> Option<&str> {
        self.prefix.as_deref().map(|p| p.trim_end_matches('/'))
    }

    /// `name` as the registry holds it: inside this view's scope.
    pub(crate) fn full_name<N: Into<Arc<str>> + AsRef<str>>(&self, name: N) -> Arc<str> {
        match &self.prefix {
            None => name.into(),
            Some(prefix) => format!("{prefix}{}", name.as_ref()).into(),
        }
    }

    fn slot(&self, name: &str) -> Option<SlotArc> {
        let slots = lock(&self.slots);
        match &self.prefix {
            None => slots.get(name).cloned(),
            Some(prefix) => slots.get(&*format!("{prefix}{name}")).cloned(),
        }
    }

    /// The process holding `name` now, whatever its type.
    pub(crate) fn process_of(&self, name: &str) -> Option<Arc<Process>> {
        self.slot(name)?
            .with_live(|entry| entry.map(|e| e.process.clone()))
    }

    /// The running server registered under `name`, as a `ServerRef<S>`.
    ///
    /// Fails with [`LookupError::NotFound`] if no running server holds the name, and with
    /// [`LookupError::WrongType`] (naming the registered type) if it is not an `S`.
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
    /// use perennial_runtime::{LookupError, Registry};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let counter = Counter::builder().register(&registry, "counter").start(0).await?;
    /// assert_eq!(registry.lookup::<Counter>("counter")?, counter);
    ///
    /// counter.kill();
    /// counter.wait_exit().await;
    /// // Never a server that has exited.
    /// let gone = registry.lookup::<Counter>("counter");
    /// assert_eq!(gone, Err(LookupError::NotFound { name: "counter".into() }));
    /// # Ok(())
    /// # }
    /// ```
    pub fn lookup<S: GenServer>(&self, name: &str) -> Result<ServerRef<S>, LookupError> {
        let not_found = || LookupError::NotFound { name: name.into() };
        let slot = self.slot(name).ok_or_else(not_found)?;
        slot.with_live(|entry| {
            let entry = entry.ok_or_else(not_found)?;
            entry
                .server
                .downcast_ref::<ServerRef<S>>()
                .cloned()
                .ok_or_else(|| LookupError::WrongType {
                    name: name.into(),
                    expected: std::any::type_name::<S>(),
                    registered: entry.type_name,
                })
        })
    }

    /// A reference bound to `name` rather than to one server: each call goes to whichever `S`
    /// is registered under the name at that moment, so it keeps working across restarts.
    /// The name need not be registered yet.
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
    /// use perennial_runtime::Registry;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let counter = registry.named::<Counter>("counter"); // before anyone holds the name
    /// Counter::builder().register(&registry, "counter").start(5).await?;
    /// assert_eq!(counter.call(()).await?, 5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn named<S: GenServer>(&self, name: impl Into<Arc<str>> + AsRef<str>) -> NamedRef<S> {
        let (name, slot) = self.hold(name);
        NamedRef::new(name, slot)
    }

    /// The slot of `name`, made if need be, held (counted in its `refs`) for a [`NamedRef`] or
    /// a [`NameClaim`].
    fn hold(&self, name: impl Into<Arc<str>> + AsRef<str>) -> (Arc<str>, SlotArc) {
        if self.prefix.is_some() {
            let full = self.full_name(name);
            return Registry {
                prefix: None,
                ..self.clone()
            }
            .hold(full);
        }
        let mut slots = lock(&self.slots);
        // A name in use already has its slot and its string: share both rather than copy the
        // name (a supervision tree asks for one reference per child it has just started).
        let (name, slot) = match slots.get_key_value(name.as_ref()) {
            Some((name, slot)) => (name.clone(), slot.clone()),
            None => {
                let name: Arc<str> = name.into();
                let slot = Slot::new(&self.slots);
                slots.insert(name.clone(), slot.clone());
                (name, slot)
            }
        };
        // Under the map's lock: a last reference letting go meanwhile sees this one.
        slot.refs.fetch_add(1, Ordering::Relaxed);
        drop(slots);
        (name, slot)
    }

    /// A supervisor's claim on the name of a child it supervises (see [`NameClaim`]).
    pub(crate) fn claim(&self, name: impl Into<Arc<str>> + AsRef<str>) -> NameClaim {
        let (name, slot) = self.hold(name);
        NameClaim::new(name, slot)
    }

    /// The type name of the running server registered under `name`, if any.
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
    /// use perennial_runtime::Registry;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// assert_eq!(registry.registered_type("counter"), None);
    /// Counter::builder().register(&registry, "counter").start(0).await?;
    /// let registered = registry.registered_type("counter").ok_or("not registered")?;
    /// assert!(registered.ends_with("Counter"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn registered_type(&self, name: &str) -> Option<&'static str> {
        self.slot(name)?.with_live(|e| e.map(|e| e.type_name))
    }

    /// Subscribes to the registry's changes from now on: every registration and unregistration,
    /// typed, in the order they happened (see [`RegistryListener`]). To follow the names from a
    /// known state, subscribe first, then read [`names`](Self::names): every change after that
    /// read is in the stream.
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
    /// use perennial_runtime::ExitReason;
    /// use perennial_runtime::{Registry, RegistryChange};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut listener = registry.subscribe();
    /// let cache = Cache::builder().register(&registry, "cache").start(()).await?;
    /// cache.stop(ExitReason::Shutdown).await?;
    ///
    /// let registered = listener.next().await.unwrap()?;
    /// assert_eq!(registered.change(), RegistryChange::Registered);
    /// assert_eq!(registered.server::<Cache>(), Some(cache.clone()));
    /// let unregistered = listener.next().await.unwrap()?;
    /// assert_eq!(unregistered.change(), RegistryChange::Unregistered);
    /// assert_eq!((unregistered.name(), unregistered.id()), ("cache", cache.id()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscribe(&self) -> RegistryListener {
        self.listeners.subscribe()
    }

    /// The names of all running registered servers, sorted (for a scoped view, those inside its
    /// scope, without the scope).
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
    /// use perennial_runtime::Registry;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// Counter::builder().register(&registry, "b").start(0).await?;
    /// Counter::builder().register(&registry, "a").start(0).await?;
    /// Counter::builder().name("unregistered").start(0).await?;
    /// assert_eq!(registry.names(), ["a".into(), "b".into()]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn names(&self) -> Vec<Arc<str>> {
        let slots = lock(&self.slots);
        self.in_view(
            slots
                .iter()
                .filter(|(_, slot)| slot.with_live(|e| e.is_some()))
                .map(|(name, _)| name),
        )
    }

    /// Of `names` (full names), those this view sees, as it names them (without its scope's
    /// prefix), sorted.
    fn in_view<'a>(&self, names: impl Iterator<Item = &'a Arc<str>>) -> Vec<Arc<str>> {
        let prefix = self.prefix.as_deref().unwrap_or_default();
        let mut names: Vec<_> = names
            .filter_map(|name| match prefix {
                "" => Some(name.clone()),
                prefix => name.strip_prefix(prefix).map(Arc::from),
            })
            .collect();
        names.sort();
        names
    }

    /// Registers `server` under its name. A dead holder of the name is replaced; a live one
    /// refuses.
    pub(crate) fn register<S: GenServer>(
        &self,
        server: &ServerRef<S>,
    ) -> Result<(), RegisterError<S>> {
        let Some(name) = server.process.name().cloned() else {
            return Ok(());
        };
        let mut slots = lock(&self.slots);
        let slot = slots
            .entry(name.clone())
            .or_insert_with(|| Slot::new(&self.slots))
            .clone();
        let mut current = slot.current.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(existing) = current.as_ref().filter(|e| e.process.is_alive()) {
            return Err(match existing.server.downcast_ref::<ServerRef<S>>() {
                Some(existing) => RegisterError::AlreadyStarted(existing.clone()),
                None => RegisterError::NameTaken {
                    name,
                    registered: existing.type_name,
                },
            });
        }
        let entry = Entry {
            process: server.process.clone(),
            server: Arc::new(server.clone()),
            type_name: std::any::type_name::<S>(),
        };
        self.listeners.publish(|| {
            RegistryEvent::registered(
                name,
                server.process.id(),
                entry.type_name,
                entry.server.clone(),
            )
        });
        *current = Some(entry);
        drop(current);
        drop(slots);
        slot.changed.notify_waiters();
        Ok(())
    }

    /// Removes `process`'s registration, if it still holds its name. Removes the slot when no
    /// name-bound reference uses it.
    pub(crate) fn unregister(&self, process: &Arc<Process>) {
        let Some(name) = process.name() else { return };
        let mut slots = lock(&self.slots);
        let Some(slot) = slots.get(name).cloned() else {
            return;
        };
        let mut current = slot.current.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = current.take_if(|e| Arc::ptr_eq(&e.process, process)) {
            self.listeners.publish(|| {
                RegistryEvent::unregistered(name.clone(), process.id(), entry.type_name)
            });
        }
        drop(current);
        if slot.unused() {
            slots.remove(name);
        }
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("names", &self.names())
            .finish()
    }
}

impl Registry {
    /// The name-bound reference for a typed key ([`named`](Self::named) without a way to get
    /// the name or the type wrong).
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
    /// let cache = registry.get(CACHE); // a `NamedRef<Cache>`: the type comes with the key
    /// Cache::builder().register(&registry, CACHE.name()).start(()).await?;
    /// assert_eq!(cache.call(()).await?, 7);
    /// # Ok(())
    /// # }
    /// ```
    pub fn get<S: GenServer>(&self, key: Key<S>) -> NamedRef<S> {
        self.named(key.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ExitReason;
    use crate::test_support::Idle;

    impl Registry {
        /// How many slots the registry keeps, in use or not.
        fn slot_count(&self) -> usize {
            lock(&self.slots).len()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_name_used_once_leaves_nothing_behind_whichever_goes_last() {
        let registry = Registry::new();
        for n in 0..1000 {
            let name = format!("session-{n}");
            let server = Idle::builder()
                .register(&registry, name.as_str())
                .start(())
                .await
                .unwrap();
            let named = registry.named::<Idle>(name.as_str());
            assert_eq!(named.call(()).await, Ok(()));
            if n % 2 == 0 {
                // The server goes first, then the last reference.
                server.stop(ExitReason::Shutdown).await.unwrap();
                assert_eq!(registry.slot_count(), 1);
                drop(named);
            } else {
                // The reference goes first, then the server.
                drop(named);
                assert_eq!(registry.slot_count(), 1);
                server.stop(ExitReason::Shutdown).await.unwrap();
            }
            assert_eq!(registry.slot_count(), 0, "round {n}");
        }
        assert!(registry.names().is_empty());
    }

    #[test]
    fn a_name_never_registered_is_forgotten_with_its_last_reference() {
        let registry = Registry::new();
        for n in 0..1000 {
            let named = registry.named::<Idle>(format!("nobody-{n}"));
            let again = registry.get(Key::<Idle>::new("key"));
            let clone = named.clone();
            drop(named);
            assert_eq!(registry.slot_count(), 2);
            drop((clone, again));
            assert_eq!(registry.slot_count(), 0);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_stays_while_any_reference_holds_it_and_serves_the_next_holder() {
        let registry = Registry::new();
        let first = registry.named::<Idle>("idle");
        let second = first.clone();
        let server = Idle::builder()
            .register(&registry, "idle")
            .start(())
            .await
            .unwrap();
        server.stop(ExitReason::Shutdown).await.unwrap();
        drop(first);
        // `second` still holds the slot, and it follows the name's next holder.
        assert_eq!(registry.slot_count(), 1);
        Idle::builder()
            .register(&registry, "idle")
            .start(())
            .await
            .unwrap();
        assert_eq!(second.call(()).await, Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_reference_made_after_the_slot_was_removed_follows_the_name() {
        let registry = Registry::new();
        drop(registry.named::<Idle>("idle"));
        let server = Idle::builder()
            .register(&registry, "idle")
            .start(())
            .await
            .unwrap();
        server.stop(ExitReason::Shutdown).await.unwrap();
        assert_eq!(registry.slot_count(), 0);
        let named = registry.named::<Idle>("idle");
        Idle::builder()
            .register(&registry, "idle")
            .start(())
            .await
            .unwrap();
        assert_eq!(named.call(()).await, Ok(()));
    }

    /// References dropped on several threads at once, while others are made: the last one to go
    /// always removes the slot.
    #[test]
    fn references_dropped_on_many_threads_leave_no_slot() {
        let registry = Registry::new();
        for _ in 0..200 {
            let refs: Vec<_> = (0..8).map(|_| registry.named::<Idle>("busy")).collect();
            std::thread::scope(|scope| {
                for named in refs {
                    let registry = &registry;
                    scope.spawn(move || {
                        let mine = registry.named::<Idle>("busy");
                        drop(named);
                        drop(mine.clone());
                        drop(mine);
                    });
                }
            });
            assert_eq!(registry.slot_count(), 0);
        }
    }
}

/// Loom models of the registry's slots: run with `--cfg loom` (see the README's test command and
/// `crate::loom_support`).
///
/// A server is registered as [`ServerBuilder::start`](crate::ServerBuilder::start) registers it
/// (before its task exists), and exits through its task guard's own code
/// (`gen_server::exit_registered`: unregister, answer what is queued, record the exit). Only the
/// task is left out, which loom cannot run.
#[cfg(all(test, loom))]
mod loom_tests {
    use std::future::poll_fn;
    use std::pin::Pin;
    use std::sync::Arc;

    use loom::thread;
    use tokio::sync::futures::Notified;

    use super::named::Offer;
    use super::{NamedRef, Registry, SlotArc, lock};
    use crate::gen_server::exit_registered;
    use crate::loom_support::{block_on, model};
    use crate::mailbox::{Envelope, Rx, channel};
    use crate::process::Process;
    use crate::reply::{SlotRx, reply_slot};
    use crate::test_support::Idle;
    use crate::{ExitReason, ServerRef};

    const NAME: &str = "idle";

    /// Registers a new server under [`NAME`], as a start does before it spawns the task: its
    /// process, and its mailbox's receiving end.
    fn register(registry: &Registry) -> (Arc<Process>, Rx<Idle>) {
        let (tx, rx) = channel::<Idle>(None);
        let process = Arc::new(Process::new(Some(NAME.into()), None));
        let registered = registry.register(&ServerRef::new(tx, process.clone()));
        assert!(registered.is_ok(), "the name is held by a running server");
        (process, rx)
    }

    /// How many slots the registry keeps.
    fn slot_count(registry: &Registry) -> usize {
        lock(&registry.slots).len()
    }

    /// Sends a call through `named` as `NamedRef::request` does, without its timer (which needs a
    /// tokio runtime): while nobody holds the name and a supervisor expects it back, it waits for
    /// the next registration (if none comes, loom reports the deadlock); when nobody expects
    /// it, it gives up (`None`, the call's `NotRunning`). Returns the caller's half of the reply
    /// slot.
    fn send_call(named: &NamedRef<Idle>) -> Option<SlotRx<Result<(), ExitReason>>> {
        let (reply, rx) = reply_slot::<()>();
        let mut envelope = Envelope::Call((), reply);
        let mut armed: Option<Pin<Box<Notified<'_>>>> = None;
        loop {
            envelope = match named.try_send(envelope, true) {
                Offer::Queued => return Some(rx),
                Offer::Absent(envelope) => {
                    match armed.take() {
                        // Register interest, then look once more.
                        None => {
                            let mut notified = Box::pin(named.slot.changed.notified());
                            notified.as_mut().enable();
                            armed = Some(notified);
                        }
                        Some(notified) => {
                            if !named.slot.is_expected() {
                                return None;
                            }
                            block_on(notified);
                        }
                    }
                    envelope
                }
                Offer::Full(..) => panic!("an unbounded mailbox was full"),
                Offer::WrongType(..) => panic!("the name is held by another type"),
                Offer::CallingSelf(_) => panic!("a call from outside any server calls itself"),
            };
        }
    }

    /// The server holding a name exits and a new one takes the name (a supervisor's restart)
    /// while a reference bound to the name, made before, looks the name up and sends a call,
    /// then is dropped. The call is queued with the old server and answered by its exit, or
    /// queued with the new one: never lost, never waiting for a registration that already
    /// happened. Once a lookup shows the old server gone, no call reaches it; a lookup never
    /// returns a server whose exit was visible before it began. In the end, with both servers
    /// gone and no reference left, the name has no slot.
    #[test]
    fn loom_a_call_through_a_name_re_registered_meanwhile_reaches_one_incarnation() {
        model(|| {
            let registry = Registry::new();
            let (old, old_rx) = register(&registry);
            let named = registry.named::<Idle>(NAME);
            // The supervisor bringing the name back expects it throughout.
            let mut claim = registry.claim(NAME);
            claim.expect(true);
            let restart = {
                let (registry, old) = (registry.clone(), old.clone());
                thread::spawn(move || {
                    exit_registered(old_rx, old, &registry, ExitReason::Shutdown);
                    register(&registry)
                })
            };
            let caller = {
                let registry = registry.clone();
                thread::spawn(move || {
                    let exited_before = !old.is_alive();
                    let found = registry.lookup::<Idle>(NAME).ok();
                    let found_old = found.is_some_and(|s| Arc::ptr_eq(&s.process, &old));
                    assert!(
                        !(exited_before && found_old),
                        "a lookup returned a server that had exited"
                    );
                    let reply = send_call(&named).expect("a name being brought back is waited for");
                    drop(named);
                    (found_old, reply)
                })
            };
            let (new, new_rx) = restart.join().unwrap();
            let (found_old, mut reply) = caller.join().unwrap();
            // The new server exits too, answering what it was sent with its own reason.
            exit_registered(new_rx, new, &registry, ExitReason::Normal);
            match block_on(poll_fn(|cx| reply.poll(cx))) {
                Ok(Err(ExitReason::Shutdown)) => assert!(
                    found_old,
                    "a call reached the old server after a lookup showed it gone"
                ),
                Ok(Err(ExitReason::Normal)) => {}
                Ok(other) => panic!("answered with {other:?}"),
                Err(_) => panic!("a queued call was dropped without an answer"),
            }
            drop(claim);
            assert_eq!(slot_count(&registry), 0, "a slot nobody uses");
        });
    }

    /// A call waits through a name while its supervisor expects it back; the supervisor lets
    /// go (the child ended for good, or the supervisor shuts down) meanwhile. The call is woken
    /// and gives up: it never sleeps through the letting go (loom would report the deadlock),
    /// and no slot is left.
    #[test]
    fn loom_a_call_waiting_for_a_name_fails_when_its_supervisor_lets_go() {
        model(|| {
            let registry = Registry::new();
            let named = registry.named::<Idle>(NAME);
            let mut claim = registry.claim(NAME);
            claim.expect(true);
            let letting_go = thread::spawn(move || drop(claim));
            let caller = thread::spawn(move || {
                let reply = send_call(&named);
                drop(named);
                reply.is_none()
            });
            letting_go.join().unwrap();
            assert!(caller.join().unwrap(), "a call reached a name nobody holds");
            assert_eq!(slot_count(&registry), 0, "a slot nobody uses");
        });
    }

    /// The last reference to a name lets go while another reference to the name is made and a
    /// server registers under the name and exits. While registered, the server is what the name
    /// resolves to. Afterwards the name has exactly one slot, the one the live reference holds
    /// (so the reference follows the name), and once that reference goes, none; no slot is
    /// leaked (loom checks every `Arc`).
    #[test]
    fn loom_a_reference_made_while_the_last_one_goes_keeps_the_names_slot() {
        model(|| {
            let registry = Registry::new();
            let last = registry.named::<Idle>(NAME);
            let dropper = thread::spawn(move || drop(last));
            let maker = {
                let registry = registry.clone();
                thread::spawn(move || registry.named::<Idle>(NAME))
            };
            let server = {
                let registry = registry.clone();
                thread::spawn(move || {
                    let (process, rx) = register(&registry);
                    let found = registry.lookup::<Idle>(NAME).ok();
                    assert!(
                        found.is_some_and(|s| Arc::ptr_eq(&s.process, &process)),
                        "a registered server is not found by its name"
                    );
                    exit_registered(rx, process, &registry, ExitReason::Normal);
                })
            };
            dropper.join().unwrap();
            server.join().unwrap();
            let named = maker.join().unwrap();
            {
                let slots = lock(&registry.slots);
                assert_eq!(slots.len(), 1, "a slot for each name in use, no other");
                let slot = slots.get(NAME).expect("the slot of a name in use");
                assert!(
                    SlotArc::ptr_eq(slot, &named.slot),
                    "a reference holds a slot the name no longer has"
                );
            }
            drop(named);
            assert_eq!(slot_count(&registry), 0, "a slot nobody uses");
        });
    }

    /// Two last references to a name let go (one made meanwhile) while a server registers under
    /// the name and stays: the server keeps the name's slot, and is found by its name, until it
    /// exits; then the slot goes.
    #[test]
    fn loom_a_server_registering_while_the_last_references_go_keeps_the_names_slot() {
        model(|| {
            let registry = Registry::new();
            let last = registry.named::<Idle>(NAME);
            let dropper = thread::spawn(move || drop(last));
            let maker = {
                let registry = registry.clone();
                thread::spawn(move || drop(registry.named::<Idle>(NAME)))
            };
            let (process, rx) = register(&registry);
            dropper.join().unwrap();
            maker.join().unwrap();
            assert_eq!(
                slot_count(&registry),
                1,
                "a slot for each name in use, no other"
            );
            let found = registry.lookup::<Idle>(NAME).ok();
            assert!(
                found.is_some_and(|s| Arc::ptr_eq(&s.process, &process)),
                "a registered server is not found by its name"
            );
            exit_registered(rx, process, &registry, ExitReason::Normal);
            assert_eq!(slot_count(&registry), 0, "a slot nobody uses");
        });
    }
}
