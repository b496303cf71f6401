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

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::Notify;

mod groups;
mod listeners;

use groups::Groups;
pub use groups::{Group, GroupChange, GroupError, GroupEvent, GroupListener, GroupRef};

use listeners::Listeners;
pub use listeners::{LISTENER_BUFFER, Lagged, RegistryChange, RegistryEvent, RegistryListener};

use crate::mailbox::{Envelope, TrySendError};
use crate::process::Process;
use crate::reply::{NEVER, deadline_after};
use crate::request::{Queued, Route, call_and_ping};
use crate::sync::{self, AtomicUsize, Mutex, MutexGuard, Ordering, RwLock, RwLockReadGuard};
use crate::{CallError, CastError, GenServer, LookupError, ServerRef};

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

/// The names in use, each with its slot.
type Slots = Mutex<HashMap<Arc<str>, SlotArc>>;

/// A slot, as the map and each [`NamedRef`] hold it (loom's `Arc` in the loom models, which
/// check that no slot leaks; the names and the map itself are std's, see `crate::sync`).
type SlotArc = sync::Arc<Slot>;

/// One name's place in the registry.
pub(crate) struct Slot {
    current: RwLock<Option<Entry>>,
    /// Woken when a server registers in the slot, and when a supervisor stops expecting one.
    changed: Notify,
    /// How many supervisors are bringing the name back ([`NameClaim`]s that expect it): while
    /// any is, a call through the name waits for the next holder; otherwise it fails at once.
    expected: AtomicUsize,
    /// How many [`NamedRef`]s hold the slot. Goes from 0 to 1 only under the map's lock (a
    /// clone needs a holder, so it never does).
    refs: AtomicUsize,
    /// The map the slot is in, for the last [`NamedRef`] to remove it from.
    owner: Weak<Slots>,
}

struct Entry {
    process: Arc<Process>,
    /// The `ServerRef<S>` of the registered server, behind `Any` so one map holds every type
    /// (shared with the event of its registration, when someone listens).
    server: Arc<dyn Any + Send + Sync>,
    type_name: &'static str,
}

pub(crate) enum RegisterError<S: GenServer> {
    AlreadyStarted(ServerRef<S>),
    NameTaken {
        name: Arc<str>,
        registered: &'static str,
    },
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Slot {
    fn new(owner: &Arc<Slots>) -> SlotArc {
        SlotArc::new(Slot {
            current: RwLock::new(None),
            changed: Notify::new(),
            expected: AtomicUsize::new(0),
            refs: AtomicUsize::new(0),
            owner: Arc::downgrade(owner),
        })
    }

    /// `true` when no running server holds the slot and no [`NamedRef`] uses it: nothing needs
    /// it any more. Meaningful under the map's lock.
    fn unused(&self) -> bool {
        self.refs.load(Ordering::Acquire) == 0 && self.with_live(|e| e.is_none())
    }

    /// `true` while some supervisor is bringing the name back.
    fn is_expected(&self) -> bool {
        self.expected.load(Ordering::SeqCst) > 0
    }

    /// Called by the last [`NamedRef`] to let go of the slot: removes it from its map if it is
    /// still there and nothing took it up meanwhile.
    #[cold]
    fn release(&self, name: &str) {
        let Some(owner) = self.owner.upgrade() else {
            return;
        };
        let mut slots = lock(&owner);
        // The name may have a new slot already, if this one was removed when its server left.
        if slots.get(name).is_some_and(|s| std::ptr::eq(&**s, self)) && self.unused() {
            slots.remove(name);
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Option<Entry>> {
        self.current.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live entry, if any.
    fn with_live<R>(&self, f: impl FnOnce(Option<&Entry>) -> R) -> R {
        let current = self.read();
        f(current.as_ref().filter(|e| e.process.is_alive()))
    }
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
        NamedRef {
            name,
            slot,
            _server: PhantomData,
        }
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
        NameClaim {
            name,
            slot,
            expecting: false,
        }
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
    /// use perennial_runtime::registry::{Registry, RegistryChange};
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
        let prefix = self.prefix.as_deref().unwrap_or_default();
        let mut names: Vec<_> = slots
            .iter()
            .filter(|(_, slot)| slot.with_live(|e| e.is_some()))
            .filter_map(|(name, _)| match prefix {
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
    /// use perennial_runtime::registry::{Key, Registry};
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
        self.named(key.name)
    }
}

/// A reference bound to a name in a [`Registry`]: it reaches whichever `S` server is registered
/// under the name at the time of each call, so it keeps working when a supervisor replaces the
/// server.
///
/// # When nobody holds the name
///
/// A call or ping that finds no server under the name **waits** for the next one, within the
/// call's timeout, only while the name's supervisor is bringing it back: the child crashed and
/// its restart is in progress, a restart backoff is pending, or a failed restart is being
/// retried. In every other case nobody will bring the name back, and the call fails **at once**
/// with [`CallError::NotRunning`] (OTP's `noproc`):
///
/// - the name is not declared by any running supervisor (never registered, or registered by a
///   server started by hand that has exited);
/// - the child ended for good (a transient child that ended normally, a temporary one), was
///   stopped with `terminate_child`, or was deleted;
/// - its supervisor is shutting down, gave up (its restart intensity), or is gone.
///
/// A cast never waits: it fails at once with [`CastError::NotRunning`]. A call sent to a server
/// that then dies is not resent (it may have been handled): it fails with
/// [`CallError::Exited`].
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
/// use perennial_runtime::supervisor::{ChildSpec, SupervisorSpec};
/// use perennial_runtime::CallError;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tree = SupervisorSpec::new("app")
///     .child(ChildSpec::server::<Cache>("cache", ()))
///     .start()
///     .await?;
/// let cache = tree.registry().named::<Cache>("cache");
/// assert_eq!(cache.call(()).await?, 7);
///
/// tree.shutdown().await;
/// // Nobody will bring `cache` back: the call fails at once, not after its 5 s timeout.
/// assert!(matches!(cache.call(()).await, Err(CallError::NotRunning { .. })));
/// # Ok(())
/// # }
/// ```
pub struct NamedRef<S: GenServer> {
    name: Arc<str>,
    slot: SlotArc,
    _server: PhantomData<fn() -> S>,
}

/// What happened to an envelope offered to the current holder of a name. Every case that did
/// not queue it gives it back.
pub(crate) enum Offer<S: GenServer> {
    Queued,
    Absent(Envelope<S>),
    Full(Envelope<S>, ServerRef<S>),
    WrongType(Envelope<S>, &'static str),
    CallingSelf(Envelope<S>),
}

impl<S: GenServer> NamedRef<S> {
    /// The name this reference follows.
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
    /// assert_eq!(registry.named::<Counter>("counter").name(), "counter");
    /// // Made through a scoped view, it follows the full name.
    /// assert_eq!(registry.scope("eu").named::<Counter>("counter").name(), "eu/counter");
    /// # Ok(())
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server registered under the name right now, if one is running and is an `S`.
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
    /// let counter = registry.named::<Counter>("counter");
    /// assert_eq!(counter.resolve(), None);
    /// let server = Counter::builder().register(&registry, "counter").start(0).await?;
    /// assert_eq!(counter.resolve(), Some(server));
    /// # Ok(())
    /// # }
    /// ```
    pub fn resolve(&self) -> Option<ServerRef<S>> {
        self.slot.with_live(|e| {
            e.and_then(|e| e.server.downcast_ref::<ServerRef<S>>())
                .cloned()
        })
    }

    /// Queues `envelope` with the current holder of the name, under the slot's read lock.
    /// `expects_reply` refuses a server calling itself, which would deadlock.
    #[inline]
    fn try_send(&self, envelope: Envelope<S>, expects_reply: bool) -> Offer<S> {
        self.slot.with_live(|entry| {
            let Some(entry) = entry else {
                return Offer::Absent(envelope);
            };
            let Some(server) = entry.server.downcast_ref::<ServerRef<S>>() else {
                return Offer::WrongType(envelope, entry.type_name);
            };
            if expects_reply && server.process.is_current_task() {
                return Offer::CallingSelf(envelope);
            }
            match server.tx.try_send(envelope) {
                Ok(()) => Offer::Queued,
                Err(TrySendError::Closed(envelope)) => Offer::Absent(envelope),
                Err(TrySendError::Full(envelope)) => Offer::Full(envelope, server.clone()),
            }
        })
    }

    fn not_running(&self) -> CallError {
        CallError::NotRunning {
            name: Some(self.name.clone()),
        }
    }

    fn wrong_type(&self, registered: &'static str) -> CallError {
        CallError::WrongType {
            name: self.name.clone(),
            expected: std::any::type_name::<S>(),
            registered,
        }
    }

    /// Queues a cast with the server holding the name, without waiting. Fails at once with
    /// [`CastError::NotRunning`] if no `S` server holds the name (including when a server of
    /// another type does), or [`CastError::Full`] if its bounded mailbox is full.
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
    /// use perennial_runtime::{CastError, Registry};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let counter = registry.named::<Counter>("counter");
    /// assert_eq!(counter.cast(1), Err(CastError::NotRunning(1))); // a cast never waits
    /// Counter::builder().register(&registry, "counter").start(0).await?;
    /// counter.cast(1)?;
    /// assert_eq!(counter.call(()).await?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn cast(&self, cast: S::Cast) -> Result<(), CastError<S::Cast>> {
        match self.try_send(Envelope::Cast(cast), false) {
            Offer::Queued => Ok(()),
            Offer::Full(Envelope::Cast(c), _) => Err(CastError::Full(c)),
            Offer::Absent(Envelope::Cast(c))
            | Offer::WrongType(Envelope::Cast(c), _)
            | Offer::CallingSelf(Envelope::Cast(c)) => Err(CastError::NotRunning(c)),
            _ => unreachable!("the envelope comes back as it was given"),
        }
    }

    /// Sends an info message to the server holding the name, without waiting.
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
    /// Counter::builder().register(&registry, "counter").start(1).await?;
    /// let counter = registry.named::<Counter>("counter");
    /// counter.info(10)?; // this server's `handle_info` sets the count
    /// assert_eq!(counter.call(()).await?, 10);
    /// # Ok(())
    /// # }
    /// ```
    pub fn info(&self, info: S::Info) -> Result<(), CastError<S::Info>> {
        match self.try_send(Envelope::Info(info), false) {
            Offer::Queued => Ok(()),
            Offer::Full(Envelope::Info(i), _) => Err(CastError::Full(i)),
            Offer::Absent(Envelope::Info(i))
            | Offer::WrongType(Envelope::Info(i), _)
            | Offer::CallingSelf(Envelope::Info(i)) => Err(CastError::NotRunning(i)),
            _ => unreachable!("the envelope comes back as it was given"),
        }
    }

    call_and_ping! {
        /// Sends a call to the server holding the name and waits up to
        /// [`DEFAULT_CALL_TIMEOUT`](crate::DEFAULT_CALL_TIMEOUT) (including any wait for the
        /// name's supervisor to bring it back; see [above](NamedRef#when-nobody-holds-the-name)).
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
        /// use perennial_runtime::{ExitReason, Registry};
        ///
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let registry = Registry::new();
        /// let counter = registry.named::<Counter>("counter");
        /// let first = Counter::builder().register(&registry, "counter").start(1).await?;
        /// assert_eq!(counter.call(()).await?, 1);
        ///
        /// first.stop(ExitReason::Shutdown).await?;
        /// Counter::builder().register(&registry, "counter").start(2).await?;
        /// assert_eq!(counter.call(()).await?, 2); // the same reference reaches the new server
        /// # Ok(())
        /// # }
        /// ```
        call;

        /// [`call`](Self::call) with an explicit timeout.
        ///
        /// ```
        /// # use std::{convert::Infallible, time::Duration};
        /// # use perennial_runtime::{Context, GenServer};
        /// # struct Slow;
        /// # impl GenServer for Slow {
        /// #     type Args = (); type Call = Duration; type Reply = (); type Cast = Duration;
        /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
        /// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Slow) }
        /// #     async fn handle_call(&mut self, d: Duration, _: &mut Context<Self>) {
        /// #         tokio::time::sleep(d).await
        /// #     }
        /// #     async fn handle_cast(&mut self, d: Duration, _: &mut Context<Self>) {
        /// #         tokio::time::sleep(d).await
        /// #     }
        /// # }
        /// use perennial_runtime::{CallError, Registry};
        ///
        /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let registry = Registry::new();
        /// Slow::builder().register(&registry, "slow").start(()).await?;
        /// let slow = registry.named::<Slow>("slow");
        /// let reply = slow.call_timeout(Duration::from_secs(10), Duration::from_secs(1)).await;
        /// assert_eq!(reply, Err(CallError::Timeout(Duration::from_secs(1))));
        /// # Ok(())
        /// # }
        /// ```
        call_timeout;

        /// Pings the server holding the name, waiting up to
        /// [`DEFAULT_CALL_TIMEOUT`](crate::DEFAULT_CALL_TIMEOUT).
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
        /// use perennial_runtime::{CallError, Registry};
        ///
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let registry = Registry::new();
        /// let counter = registry.named::<Counter>("counter");
        /// // Nobody holds the name and no supervisor will bring it back: it fails at once.
        /// assert!(matches!(counter.ping().await, Err(CallError::NotRunning { .. })));
        /// Counter::builder().register(&registry, "counter").start(0).await?;
        /// assert_eq!(counter.ping().await, Ok(()));
        /// # Ok(())
        /// # }
        /// ```
        ping;

        /// [`ping`](Self::ping) with an explicit timeout.
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
        /// use std::time::Duration;
        /// use perennial_runtime::supervisor::{Backoff, ChildSpec, Event, SupervisorSpec};
        /// use tokio::time::Instant;
        ///
        /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
        /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
        /// let backoff = Backoff {
        ///     initial: Duration::from_secs(2),
        ///     factor: 2.0,
        ///     max: Duration::from_secs(60),
        /// };
        /// let app = SupervisorSpec::new("app")
        ///     .child(ChildSpec::server::<Counter>("counter", 0).backoff(backoff))
        ///     .start()
        ///     .await?;
        /// let counter = app.registry().named::<Counter>("counter");
        /// let mut events = app.subscribe();
        /// counter.resolve().ok_or("not running")?.kill();
        /// events.wait_for(|e| matches!(e, Event::Exited { .. })).await;
        ///
        /// // Its supervisor brings it back after 2 s: a ping waits for that, within its timeout.
        /// let asked = Instant::now();
        /// assert_eq!(counter.ping_timeout(Duration::from_secs(3)).await, Ok(()));
        /// assert_eq!(asked.elapsed(), Duration::from_secs(2));
        /// # Ok(())
        /// # }
        /// ```
        ping_timeout;
    }
}

impl<S: GenServer> Route<S> for NamedRef<S> {
    type Blocked = Offer<S>;
    /// The server a request went to when it waited for room in its mailbox.
    type Learnt = Option<Arc<Process>>;

    #[inline(always)]
    fn try_queue(&self, envelope: Envelope<S>) -> Result<(), Offer<S>> {
        match self.try_send(envelope, true) {
            Offer::Queued => Ok(()),
            offer => Err(offer),
        }
    }

    /// Waits for room in the holder's full bounded mailbox, or for a holder while the name's
    /// supervisor is bringing it back, within the call's deadline.
    async fn queue(
        &self,
        mut offer: Offer<S>,
        timeout: Duration,
    ) -> Result<Queued<Option<Arc<Process>>>, CallError> {
        // Read from the clock only by a wait before the send (a full mailbox, a name being
        // brought back); otherwise the reply wait's coarse deadline (see `ReplyWait::after`).
        let mut deadline = None;
        let mut deadline = move || *deadline.get_or_insert_with(|| deadline_after(timeout));
        let mut waited = false;
        // Armed after a first miss, so the fast path never touches the `Notify`.
        let mut armed = None;
        let server = loop {
            let envelope = match offer {
                Offer::Queued => break None,
                Offer::Full(env, server) => {
                    waited = true;
                    match tokio::time::timeout_at(deadline(), server.tx.send(env)).await {
                        Ok(Ok(())) => break Some(server.process),
                        Ok(Err(env)) => env,
                        Err(_) => return Err(CallError::Timeout(timeout)),
                    }
                }
                Offer::WrongType(_, registered) => return Err(self.wrong_type(registered)),
                Offer::CallingSelf(_) => return Err(CallError::CallingSelf),
                Offer::Absent(env) => {
                    match armed.take() {
                        // Nobody holds the name: register interest, then look once more, since
                        // a registration may have landed in between.
                        None => {
                            let mut notified = Box::pin(self.slot.changed.notified());
                            notified.as_mut().enable();
                            armed = Some(notified);
                        }
                        // Still nobody. Wait only if a supervisor is bringing the name back;
                        // one that stops expecting it wakes this wait too.
                        Some(notified) => {
                            waited = true;
                            if !self.slot.is_expected()
                                || tokio::time::timeout_at(deadline(), notified).await.is_err()
                            {
                                return Err(self.not_running());
                            }
                        }
                    }
                    env
                }
            };
            offer = self.try_send(envelope, true);
        };
        Ok(if waited {
            Queued::AfterWait {
                deadline: (timeout < NEVER).then(deadline),
                learnt: server,
            }
        } else {
            Queued::AtOnce
        })
    }

    /// The server the request waited for, if it did: the name's holder may have changed
    /// since.
    fn server<'a>(&'a self, learnt: &'a Option<Arc<Process>>) -> Option<&'a Process> {
        learnt.as_deref()
    }
}

impl<S: GenServer> Clone for NamedRef<S> {
    fn clone(&self) -> Self {
        // Relaxed, as for an `Arc`: this reference keeps the count above zero meanwhile.
        self.slot.refs.fetch_add(1, Ordering::Relaxed);
        NamedRef {
            name: self.name.clone(),
            slot: self.slot.clone(),
            _server: PhantomData,
        }
    }
}

impl<S: GenServer> Drop for NamedRef<S> {
    fn drop(&mut self) {
        if self.slot.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.slot.release(&self.name);
        }
    }
}

/// A supervisor's hold on the name of a child it supervises: while the claim *expects* the name
/// (the child runs, or is being brought back: a restart in progress, a backoff pending, a retry
/// of a failed restart), a call through the name that finds nobody waits for the next holder,
/// within its timeout. Once no claim expects it (the child ended for good, was terminated or
/// removed, or the supervisor is shutting down or gone), such a call fails at once with
/// [`CallError::NotRunning`]. Dropping the claim stops expecting, so a supervisor that is
/// killed lets go of its names too.
pub(crate) struct NameClaim {
    name: Arc<str>,
    slot: SlotArc,
    expecting: bool,
}

impl NameClaim {
    /// Starts or stops expecting the name; stopping wakes every call waiting for it, to fail.
    pub(crate) fn expect(&mut self, expecting: bool) {
        if self.expecting == expecting {
            return;
        }
        self.expecting = expecting;
        if expecting {
            self.slot.expected.fetch_add(1, Ordering::SeqCst);
        } else {
            self.slot.expected.fetch_sub(1, Ordering::SeqCst);
            self.slot.changed.notify_waiters();
        }
    }
}

impl Drop for NameClaim {
    fn drop(&mut self) {
        self.expect(false);
        if self.slot.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.slot.release(&self.name);
        }
    }
}

impl fmt::Debug for NameClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NameClaim")
            .field("name", &self.name)
            .field("expecting", &self.expecting)
            .finish()
    }
}

impl<S: GenServer> fmt::Debug for NamedRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamedRef")
            .field("type", &std::any::type_name::<S>())
            .field("name", &self.name)
            .finish()
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

    use super::{NamedRef, Offer, Registry, SlotArc, lock};
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
