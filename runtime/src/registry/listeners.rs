//! Registry listeners (Elixir's `Registry` listeners): a stream of the registrations and
//! unregistrations of a [`Registry`](crate::Registry), in the order they happened.
//!
//! Events are published under the registry's lock, so every listener sees them in one order,
//! the order in which names changed hands: a name's `Unregistered` comes before the
//! `Registered` of its next holder. A listener that keeps up loses nothing; one that falls more
//! than [`LISTENER_BUFFER`] events behind is told how many it missed ([`Lagged`]) and goes on
//! from the oldest event still kept.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, OnceLock};

use tokio::sync::broadcast;

use crate::{GenServer, ProcessId, ServerRef};

/// How many events a registry keeps for its slowest listener before that listener lags.
pub const LISTENER_BUFFER: usize = 1024;

/// Whether a name was taken or let go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistryChange {
    /// A server registered under the name.
    Registered,
    /// The server holding the name exited (or its start failed) and let it go.
    Unregistered,
}

/// One change of a registry: which name, which server, taken or let go.
#[derive(Clone)]
pub struct RegistryEvent {
    change: RegistryChange,
    name: Arc<str>,
    id: ProcessId,
    type_name: &'static str,
    /// The registered server's `ServerRef<S>`, for a registration.
    server: Option<Arc<dyn Any + Send + Sync>>,
}

impl RegistryEvent {
    pub(crate) fn registered(
        name: Arc<str>,
        id: ProcessId,
        type_name: &'static str,
        server: Arc<dyn Any + Send + Sync>,
    ) -> Self {
        RegistryEvent {
            change: RegistryChange::Registered,
            name,
            id,
            type_name,
            server: Some(server),
        }
    }

    pub(crate) fn unregistered(name: Arc<str>, id: ProcessId, type_name: &'static str) -> Self {
        RegistryEvent {
            change: RegistryChange::Unregistered,
            name,
            id,
            type_name,
            server: None,
        }
    }

    /// Registered or unregistered.
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
    /// use perennial_runtime::{Registry, RegistryChange};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut changes = registry.subscribe();
    /// let counter = Counter::builder().register(&registry, "counter").start(0).await?;
    /// let event = changes.next().await.ok_or("ended")??;
    /// assert_eq!(event.change(), RegistryChange::Registered);
    /// counter.kill();
    /// let event = changes.next().await.ok_or("ended")??;
    /// assert_eq!(event.change(), RegistryChange::Unregistered);
    /// # Ok(())
    /// # }
    /// ```
    pub fn change(&self) -> RegistryChange {
        self.change
    }

    /// The name.
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
    /// use perennial_runtime::{Registry, RegistryChange};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut changes = registry.subscribe();
    /// let counter = Counter::builder().register(&registry, "counter").start(0).await?;
    /// let event = changes.next().await.ok_or("ended")??;
    /// assert_eq!(event.name(), "counter");
    /// # Ok(())
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's incarnation.
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
    /// use perennial_runtime::{Registry, RegistryChange};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut changes = registry.subscribe();
    /// let counter = Counter::builder().register(&registry, "counter").start(0).await?;
    /// let event = changes.next().await.ok_or("ended")??;
    /// assert_eq!(event.id(), counter.id());
    /// # Ok(())
    /// # }
    /// ```
    pub fn id(&self) -> ProcessId {
        self.id
    }

    /// The server's type, as `std::any::type_name` spells it.
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
    /// use perennial_runtime::{Registry, RegistryChange};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut changes = registry.subscribe();
    /// let counter = Counter::builder().register(&registry, "counter").start(0).await?;
    /// let event = changes.next().await.ok_or("ended")??;
    /// assert!(event.type_name().ends_with("Counter"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// `true` if the server is an `S`.
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
    /// use perennial_runtime::{Registry, RegistryChange};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut changes = registry.subscribe();
    /// let counter = Counter::builder().register(&registry, "counter").start(0).await?;
    /// let event = changes.next().await.ok_or("ended")??;
    /// assert!(event.is::<Counter>());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is<S: GenServer>(&self) -> bool {
        self.type_name == std::any::type_name::<S>()
    }

    /// For a registration of an `S` server, a reference to it (which may have exited since).
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
    /// use perennial_runtime::{Registry, RegistryChange};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut changes = registry.subscribe();
    /// let counter = Counter::builder().register(&registry, "counter").start(0).await?;
    /// let event = changes.next().await.ok_or("ended")??;
    /// assert_eq!(event.server::<Counter>(), Some(counter));
    /// # Ok(())
    /// # }
    /// ```
    pub fn server<S: GenServer>(&self) -> Option<ServerRef<S>> {
        self.server
            .as_ref()?
            .downcast_ref::<ServerRef<S>>()
            .cloned()
    }
}

impl PartialEq for RegistryEvent {
    fn eq(&self, other: &Self) -> bool {
        self.change == other.change && self.name == other.name && self.id == other.id
    }
}

impl fmt::Debug for RegistryEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryEvent")
            .field("change", &self.change)
            .field("name", &self.name)
            .field("id", &self.id)
            .field("type", &self.type_name)
            .finish()
    }
}

impl fmt::Display for RegistryEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let change = match self.change {
            RegistryChange::Registered => "registered",
            RegistryChange::Unregistered => "unregistered",
        };
        write!(f, "`{}` {change} ({})", self.name, self.id)
    }
}

/// A listener fell behind: it missed this many events, and goes on from the oldest one kept.
/// Whatever it tracks may be stale; [`Registry::names`](crate::Registry::names) gives the
/// current names to start again from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lagged {
    /// How many events it missed.
    pub missed: u64,
}

impl fmt::Display for Lagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the registry listener fell behind and missed {} events; re-read the registry's \
             names to catch up",
            self.missed
        )
    }
}

impl std::error::Error for Lagged {}

/// A subscription to a registry's changes, from [`Registry::subscribe`](crate::Registry::subscribe).
pub struct RegistryListener {
    rx: broadcast::Receiver<RegistryEvent>,
}

impl RegistryListener {
    /// The next change: `Some(Ok(event))`, `Some(Err(Lagged))` once after falling behind, or
    /// `None` once the registry is gone (every clone of it dropped) and all is received.
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
    /// use perennial_runtime::{Registry, RegistryChange};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut changes = registry.subscribe();
    /// let counter = Counter::builder().register(&registry, "counter").start(0).await?;
    /// let event = changes.next().await.ok_or("ended")??;
    /// assert_eq!((event.change(), event.name()), (RegistryChange::Registered, "counter"));
    /// counter.kill();
    /// counter.wait_exit().await;
    /// drop(registry);
    /// let unregistered = changes.next().await.ok_or("ended")??;
    /// assert_eq!(unregistered.change(), RegistryChange::Unregistered);
    /// assert!(changes.next().await.is_none()); // the registry is gone, and all is received
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next(&mut self) -> Option<Result<RegistryEvent, Lagged>> {
        match self.rx.recv().await {
            Ok(event) => Some(Ok(event)),
            Err(broadcast::error::RecvError::Lagged(missed)) => Some(Err(Lagged { missed })),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The next change if one is ready, without waiting.
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
    /// use perennial_runtime::{Registry, RegistryChange};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut changes = registry.subscribe();
    /// let counter = Counter::builder().register(&registry, "counter").start(0).await?;
    /// let event = changes.next().await.ok_or("ended")??;
    /// assert!(changes.try_next().is_none()); // nothing more, for now
    /// counter.kill();
    /// counter.wait_exit().await;
    /// let event = changes.try_next().ok_or("nothing ready")??;
    /// assert_eq!(event.change(), RegistryChange::Unregistered);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_next(&mut self) -> Option<Result<RegistryEvent, Lagged>> {
        match self.rx.try_recv() {
            Ok(event) => Some(Ok(event)),
            Err(broadcast::error::TryRecvError::Lagged(missed)) => Some(Err(Lagged { missed })),
            Err(_) => None,
        }
    }
}

impl fmt::Debug for RegistryListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryListener").finish_non_exhaustive()
    }
}

/// Where a registry publishes: made by its first listener, so that a registry nobody listens
/// to pays for one atomic load per change.
#[derive(Default)]
pub(crate) struct Listeners {
    tx: OnceLock<broadcast::Sender<RegistryEvent>>,
}

impl Listeners {
    pub(crate) fn subscribe(&self) -> RegistryListener {
        let tx = self
            .tx
            .get_or_init(|| broadcast::Sender::new(LISTENER_BUFFER));
        RegistryListener { rx: tx.subscribe() }
    }

    /// Publishes the event `make` makes, if anyone listens. Called under the registry's lock.
    pub(crate) fn publish(&self, make: impl FnOnce() -> RegistryEvent) {
        if let Some(tx) = self.tx.get()
            && tx.receiver_count() > 0
        {
            let _ = tx.send(make());
        }
    }
}
