//! Process groups (OTP's `pg`): named, typed sets of running servers in a registry.
//!
//! A server joins a group (from its own context with `ctx.myself()`, or from outside), as many
//! times as it likes (each join counts, as in `pg`), and leaves it as many times. A member that
//! exits leaves every group at once: it is never listed again, never picked for a call, never
//! sent a cast, and a `Left` event follows its exit. Groups live in a [`Registry`], so a tree's
//! servers and code outside the tree share them.

use std::any::Any;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::broadcast;

use super::key::typed_name;
use super::{Registry, lock};
use crate::process::Process;
use crate::registry::Lagged;
use crate::sync::Mutex;
use crate::{CallError, DEFAULT_CALL_TIMEOUT, GenServer, ProcessId, ServerRef};

typed_name! {
    /// A typed group name: the group of `S` servers named `name`.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # #[derive(Clone)] struct Worker(u32);
    /// # impl GenServer for Worker {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = Infallible;
    /// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Worker(n)) }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// # }
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const WORKERS: Group<Worker> = Group::new("workers");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// for n in [1, 2] {
    ///     let worker = Worker::builder().start(n).await?;
    ///     registry.join(WORKERS, &worker)?;
    /// }
    /// let workers = registry.group(WORKERS);
    /// assert_eq!(workers.members().len(), 2);
    /// // Round robin: one member, then the other.
    /// let (a, b) = (workers.call_one(()).await?, workers.call_one(()).await?);
    /// assert_eq!(a + b, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub struct Group;

    /// The group of `S` servers named `name`.
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
    /// use perennial_runtime::Group;
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters"); // a group of `Counter`s only
    /// assert_eq!(COUNTERS.name(), "counters");
    /// ```
    new;

    /// The group's name.
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
    /// use perennial_runtime::Group;
    ///
    /// assert_eq!(Group::<Counter>::new("counters").name(), "counters");
    /// ```
    name;
}

/// Why a server could not join a group.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupError {
    /// The server has exited: a dead process is never a member.
    NotRunning {
        /// The group.
        group: Arc<str>,
    },
    /// The group holds servers of another type.
    WrongType {
        /// The group.
        group: Arc<str>,
        /// The type of the server that tried to join.
        expected: &'static str,
        /// The type of the group's members.
        members: &'static str,
    },
}

impl fmt::Display for GroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::NotRunning { group } => write!(
                f,
                "cannot join group `{group}`: the server has exited, and a dead server is never \
                 a member"
            ),
            GroupError::WrongType {
                group,
                expected,
                members,
            } => write!(
                f,
                "group `{group}` holds `{members}` servers, not `{expected}` ones; use another \
                 group name"
            ),
        }
    }
}

impl std::error::Error for GroupError {}

/// A member joined or left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupChange {
    /// It joined (its first join: further joins of the same server count but are not news).
    Joined,
    /// It left (its last leave), or exited.
    Left,
}

/// A change of a group's membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupEvent {
    /// Joined or left.
    pub change: GroupChange,
    /// The group.
    pub group: Arc<str>,
    /// The member's incarnation.
    pub id: ProcessId,
}

/// A subscription to one group's joins and leaves, in order, from
/// [`GroupRef::subscribe`]. Lossless for a subscriber that keeps up; one that falls more than
/// [`LISTENER_BUFFER`](super::LISTENER_BUFFER) events behind gets one [`Lagged`].
pub struct GroupListener {
    rx: broadcast::Receiver<GroupEvent>,
}

impl GroupListener {
    /// The next change; `None` once the registry is gone and all is received.
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
    /// use perennial_runtime::GroupChange;
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut changes = registry.group(COUNTERS).subscribe();
    /// let counter = Counter::start(0).await?;
    /// registry.join(COUNTERS, &counter)?;
    /// counter.kill(); // an exit is a leave
    /// let joined = changes.next().await.ok_or("ended")??;
    /// let left = changes.next().await.ok_or("ended")??;
    /// assert_eq!((joined.change, left.change), (GroupChange::Joined, GroupChange::Left));
    /// assert_eq!(left.id, counter.id());
    /// drop(registry);
    /// assert!(changes.next().await.is_none()); // the registry is gone
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next(&mut self) -> Option<Result<GroupEvent, Lagged>> {
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
    /// use perennial_runtime::GroupChange;
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut changes = registry.group(COUNTERS).subscribe();
    /// assert!(changes.try_next().is_none());
    /// registry.join(COUNTERS, &Counter::start(0).await?)?;
    /// assert!(matches!(changes.try_next(), Some(Ok(e)) if e.change == GroupChange::Joined));
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_next(&mut self) -> Option<Result<GroupEvent, Lagged>> {
        match self.rx.try_recv() {
            Ok(event) => Some(Ok(event)),
            Err(broadcast::error::TryRecvError::Lagged(missed)) => Some(Err(Lagged { missed })),
            Err(_) => None,
        }
    }
}

impl fmt::Debug for GroupListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupListener").finish_non_exhaustive()
    }
}

/// Every group of a registry.
#[derive(Default)]
pub(crate) struct Groups {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    groups: HashMap<Arc<str>, GroupState>,
    /// The processes that are members of some group, each watched for its exit once.
    watched: HashMap<ProcessId, ()>,
}

struct GroupState {
    type_name: &'static str,
    /// In join order.
    members: Vec<Member>,
    /// Where round robin goes next.
    next: usize,
    events: broadcast::Sender<GroupEvent>,
}

struct Member {
    process: Arc<Process>,
    /// Its `ServerRef<S>`.
    server: Arc<dyn Any + Send + Sync>,
    joins: usize,
}

impl GroupState {
    fn new(type_name: &'static str) -> Self {
        GroupState {
            type_name,
            members: Vec::new(),
            next: 0,
            events: broadcast::Sender::new(super::LISTENER_BUFFER),
        }
    }

    fn publish(&self, change: GroupChange, group: &Arc<str>, id: ProcessId) {
        if self.events.receiver_count() > 0 {
            let _ = self.events.send(GroupEvent {
                change,
                group: group.clone(),
                id,
            });
        }
    }

    fn live<S: GenServer>(&self) -> impl Iterator<Item = ServerRef<S>> + '_ {
        self.members
            .iter()
            .filter(|m| m.process.is_alive())
            .filter_map(|m| m.server.downcast_ref::<ServerRef<S>>().cloned())
    }
}

impl Groups {
    /// Removes an exited process from every group, with a `Left` event for each.
    fn exited(&self, process: &Arc<Process>) {
        let mut inner = lock(&self.inner);
        inner.watched.remove(&process.id());
        inner.groups.retain(|name, group| {
            if let Some(at) = group
                .members
                .iter()
                .position(|m| Arc::ptr_eq(&m.process, process))
            {
                group.members.remove(at);
                group.publish(GroupChange::Left, name, process.id());
            }
            // A group with no member and no subscriber is forgotten.
            !group.members.is_empty() || group.events.receiver_count() > 0
        });
    }
}

impl Registry {
    /// Adds `server` to `group` (once more: each join counts, and as many leaves undo them).
    /// The server leaves every group by itself when it exits.
    ///
    /// Fails if the server has exited, or if the group holds servers of another type.
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
    /// use perennial_runtime::GroupError;
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let counter = Counter::start(0).await?;
    /// registry.join(COUNTERS, &counter)?;
    /// assert_eq!(registry.members(COUNTERS), [counter.clone()]);
    ///
    /// counter.kill();
    /// counter.wait_exit().await;
    /// assert!(registry.members(COUNTERS).is_empty()); // it left by exiting
    /// assert!(matches!(registry.join(COUNTERS, &counter), Err(GroupError::NotRunning { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn join<S: GenServer>(
        &self,
        group: Group<S>,
        server: &ServerRef<S>,
    ) -> Result<(), GroupError> {
        self.join_named(self.full_name(group.name), server)
    }

    pub(crate) fn join_named<S: GenServer>(
        &self,
        name: Arc<str>,
        server: &ServerRef<S>,
    ) -> Result<(), GroupError> {
        let process = &server.process;
        let mut inner = lock(&self.groups.inner);
        // Checked under the lock, as the exit watcher removes under it: a server that is alive
        // here is removed by its watcher afterwards.
        if !process.is_alive() {
            return Err(GroupError::NotRunning { group: name });
        }
        let type_name = std::any::type_name::<S>();
        let state = inner
            .groups
            .entry(name.clone())
            .or_insert_with(|| GroupState::new(type_name));
        if state.type_name != type_name {
            if state.members.iter().any(|m| m.process.is_alive()) {
                return Err(GroupError::WrongType {
                    group: name,
                    expected: type_name,
                    members: state.type_name,
                });
            }
            state.type_name = type_name;
        }
        match state
            .members
            .iter_mut()
            .find(|m| Arc::ptr_eq(&m.process, process))
        {
            Some(member) => member.joins += 1,
            None => {
                state.members.push(Member {
                    process: process.clone(),
                    server: Arc::new(server.clone()),
                    joins: 1,
                });
                state.publish(GroupChange::Joined, &name, process.id());
            }
        }
        if inner.watched.insert(process.id(), ()).is_none() {
            self.watch(process.clone());
        }
        Ok(())
    }

    /// Watches a member for its exit, to take it out of every group.
    fn watch(&self, process: Arc<Process>) {
        let groups: Weak<Groups> = Arc::downgrade(&self.groups);
        let watch = async move {
            process.wait_exit().await;
            if let Some(groups) = groups.upgrade() {
                groups.exited(&process);
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(watch);
            }
            // Joined outside a runtime: nobody can watch, but a dead member is never listed.
            Err(_) => drop(watch),
        }
    }

    /// Undoes one join of `server` to `group`; `true` if it was a member. At its last leave it
    /// is a member no more.
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
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let counter = Counter::start(0).await?;
    /// registry.join(COUNTERS, &counter)?;
    /// registry.join(COUNTERS, &counter)?; // joined twice...
    /// assert!(registry.leave(COUNTERS, &counter));
    /// assert_eq!(registry.members(COUNTERS).len(), 1); // ...so still a member
    /// assert!(registry.leave(COUNTERS, &counter));
    /// assert!(registry.members(COUNTERS).is_empty());
    /// assert!(!registry.leave(COUNTERS, &counter)); // not a member any more
    /// # Ok(())
    /// # }
    /// ```
    pub fn leave<S: GenServer>(&self, group: Group<S>, server: &ServerRef<S>) -> bool {
        let mut inner = lock(&self.groups.inner);
        let name = self.full_name(group.name);
        let Some(state) = inner.groups.get_mut(&name) else {
            return false;
        };
        let Some(at) = state
            .members
            .iter()
            .position(|m| Arc::ptr_eq(&m.process, &server.process))
        else {
            return false;
        };
        state.members[at].joins -= 1;
        if state.members[at].joins == 0 {
            state.members.remove(at);
            state.publish(GroupChange::Left, &name, server.id());
        }
        true
    }

    /// The running members of `group`, in join order. Never a server that has exited.
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
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let (a, b) = (Counter::start(1).await?, Counter::start(2).await?);
    /// registry.join(COUNTERS, &a)?;
    /// registry.join(COUNTERS, &b)?;
    /// assert_eq!(registry.members(COUNTERS), [a, b]); // in join order
    /// # Ok(())
    /// # }
    /// ```
    pub fn members<S: GenServer>(&self, group: Group<S>) -> Vec<ServerRef<S>> {
        let inner = lock(&self.groups.inner);
        inner
            .groups
            .get(&self.full_name(group.name))
            .map(|state| state.live::<S>().collect())
            .unwrap_or_default()
    }

    /// The names of the groups with at least one running member, sorted (for a scoped view,
    /// those inside its scope, without the scope).
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
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// const OTHERS: Group<Counter> = Group::new("others");
    /// registry.join(OTHERS, &Counter::start(0).await?)?;
    /// registry.join(COUNTERS, &Counter::start(0).await?)?;
    /// assert_eq!(registry.groups(), ["counters".into(), "others".into()]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn groups(&self) -> Vec<Arc<str>> {
        let inner = lock(&self.groups.inner);
        self.in_view(
            inner
                .groups
                .iter()
                .filter(|(_, g)| g.members.iter().any(|m| m.process.is_alive()))
                .map(|(name, _)| name),
        )
    }

    /// A handle on `group`: members, cast to all, call one, and a subscription.
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
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let (a, b) = (Counter::start(1).await?, Counter::start(2).await?);
    /// registry.join(COUNTERS, &a)?;
    /// registry.join(COUNTERS, &b)?;
    /// let counters = registry.group(COUNTERS);
    /// assert_eq!(counters.cast_all(10), 2);
    /// assert_eq!(counters.call_one(()).await? + counters.call_one(()).await?, 23);
    /// # Ok(())
    /// # }
    /// ```
    pub fn group<S: GenServer>(&self, group: Group<S>) -> GroupRef<S> {
        GroupRef {
            registry: self.clone(),
            group,
        }
    }
}

/// Round robin: the member after the last one taken.
fn round_robin(state: &mut GroupState, live: usize) -> usize {
    let at = state.next % live;
    state.next = state.next.wrapping_add(1);
    at
}

/// Any member: std's randomly keyed hasher is random enough, without a dependency.
fn random(_: &mut GroupState, live: usize) -> usize {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_usize(live);
    (hasher.finish() % live as u64) as usize
}

/// A group of `S` servers in a registry, from [`Registry::group`].
pub struct GroupRef<S: GenServer> {
    registry: Registry,
    group: Group<S>,
}

impl<S: GenServer> Clone for GroupRef<S> {
    fn clone(&self) -> Self {
        GroupRef {
            registry: self.registry.clone(),
            group: self.group,
        }
    }
}

impl<S: GenServer> fmt::Debug for GroupRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupRef")
            .field("group", &self.group)
            .finish()
    }
}

impl<S: GenServer> GroupRef<S> {
    /// The group's name.
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
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// assert_eq!(registry.group(COUNTERS).name(), "counters");
    /// # Ok(())
    /// # }
    /// ```
    pub fn name(&self) -> &'static str {
        self.group.name
    }

    /// The running members, in join order.
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
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let (a, b) = (Counter::start(1).await?, Counter::start(2).await?);
    /// registry.join(COUNTERS, &a)?;
    /// registry.join(COUNTERS, &b)?;
    /// assert_eq!(registry.group(COUNTERS).members(), [a, b]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn members(&self) -> Vec<ServerRef<S>> {
        self.registry.members(self.group)
    }

    /// Casts to every running member; returns how many took it (a member whose mailbox is full
    /// or that has just exited does not).
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
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let (a, b) = (Counter::start(1).await?, Counter::start(2).await?);
    /// registry.join(COUNTERS, &a)?;
    /// registry.join(COUNTERS, &b)?;
    /// assert_eq!(registry.group(COUNTERS).cast_all(10), 2); // both took it
    /// assert_eq!((a.call(()).await?, b.call(()).await?), (11, 12));
    /// # Ok(())
    /// # }
    /// ```
    pub fn cast_all(&self, cast: S::Cast) -> usize
    where
        S::Cast: Clone,
    {
        self.members()
            .iter()
            .filter(|m| m.cast(cast.clone()).is_ok())
            .count()
    }

    /// The next running member in turn (round robin), for a typed client of its own
    /// (`FooClient::from(Client::from(member))`); `None` if the group has none.
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
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let (a, b) = (Counter::start(1).await?, Counter::start(2).await?);
    /// registry.join(COUNTERS, &a)?;
    /// registry.join(COUNTERS, &b)?;
    /// let counters = registry.group(COUNTERS);
    /// assert_eq!(counters.next_member(), Some(a));
    /// assert_eq!(counters.next_member(), Some(b));
    /// # Ok(())
    /// # }
    /// ```
    pub fn next_member(&self) -> Option<ServerRef<S>> {
        self.pick(round_robin).ok()
    }

    /// A running member taken at random; `None` if the group has none.
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
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let (a, b) = (Counter::start(1).await?, Counter::start(2).await?);
    /// registry.join(COUNTERS, &a)?;
    /// registry.join(COUNTERS, &b)?;
    /// let member = registry.group(COUNTERS).random_member().ok_or("empty")?;
    /// assert!(member == a || member == b);
    /// const NOBODY: Group<Counter> = Group::new("nobody");
    /// assert_eq!(registry.group(NOBODY).random_member(), None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn random_member(&self) -> Option<ServerRef<S>> {
        self.pick(random).ok()
    }

    /// Calls one running member, taken in turn (round robin), waiting up to
    /// [`DEFAULT_CALL_TIMEOUT`]. Fails at once with [`CallError::NotRunning`] if the group has
    /// no running member.
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
    /// use perennial_runtime::CallError;
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let (a, b) = (Counter::start(1).await?, Counter::start(2).await?);
    /// registry.join(COUNTERS, &a)?;
    /// registry.join(COUNTERS, &b)?;
    /// let counters = registry.group(COUNTERS);
    /// assert_eq!(counters.call_one(()).await?, 1); // `a`, then `b`, in turn
    /// assert_eq!(counters.call_one(()).await?, 2);
    ///
    /// const NOBODY: Group<Counter> = Group::new("nobody");
    /// let empty = registry.group(NOBODY).call_one(()).await;
    /// assert!(matches!(empty, Err(CallError::NotRunning { .. }))); // at once
    /// # Ok(())
    /// # }
    /// ```
    pub async fn call_one(&self, call: S::Call) -> Result<S::Reply, CallError> {
        self.call_one_timeout(call, DEFAULT_CALL_TIMEOUT).await
    }

    /// [`call_one`](Self::call_one) with an explicit timeout.
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
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let (a, b) = (Counter::start(1).await?, Counter::start(2).await?);
    /// registry.join(COUNTERS, &a)?;
    /// registry.join(COUNTERS, &b)?;
    /// let counters = registry.group(COUNTERS);
    /// assert_eq!(counters.call_one_timeout((), Duration::from_secs(1)).await?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn call_one_timeout(
        &self,
        call: S::Call,
        timeout: Duration,
    ) -> Result<S::Reply, CallError> {
        let member = self.pick(round_robin)?;
        member.call_timeout(call, timeout).await
    }

    /// Calls one running member taken at random.
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
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let (a, b) = (Counter::start(1).await?, Counter::start(2).await?);
    /// registry.join(COUNTERS, &a)?;
    /// registry.join(COUNTERS, &b)?;
    /// let reply = registry.group(COUNTERS).call_random(()).await?;
    /// assert!(reply == 1 || reply == 2);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn call_random(&self, call: S::Call) -> Result<S::Reply, CallError> {
        let member = self.pick(random)?;
        member.call(call).await
    }

    fn pick(
        &self,
        choose: impl FnOnce(&mut GroupState, usize) -> usize,
    ) -> Result<ServerRef<S>, CallError> {
        let mut inner = lock(&self.registry.groups.inner);
        let not_running = || CallError::NotRunning {
            name: Some(self.group.name.into()),
        };
        let state = inner
            .groups
            .get_mut(&self.registry.full_name(self.group.name))
            .ok_or_else(not_running)?;
        let live: Vec<ServerRef<S>> = state.live::<S>().collect();
        if live.is_empty() {
            return Err(not_running());
        }
        let at = choose(state, live.len());
        live.into_iter().nth(at).ok_or_else(not_running)
    }

    /// Subscribes to the group's joins and leaves from now on (a member's exit is a `Left`).
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
    /// use perennial_runtime::GroupChange;
    /// use perennial_runtime::{Group, Registry};
    ///
    /// const COUNTERS: Group<Counter> = Group::new("counters");
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let registry = Registry::new();
    /// let mut changes = registry.group(COUNTERS).subscribe(); // before the group has members
    /// let counter = Counter::start(0).await?;
    /// registry.join(COUNTERS, &counter)?;
    /// registry.leave(COUNTERS, &counter);
    /// let changes: Vec<GroupChange> = [changes.try_next(), changes.try_next()]
    ///     .into_iter()
    ///     .flatten()
    ///     .map(|event| event.map(|e| e.change))
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(changes, [GroupChange::Joined, GroupChange::Left]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscribe(&self) -> GroupListener {
        let mut inner = lock(&self.registry.groups.inner);
        let state = inner
            .groups
            .entry(self.registry.full_name(self.group.name))
            .or_insert_with(|| GroupState::new(std::any::type_name::<S>()));
        GroupListener {
            rx: state.events.subscribe(),
        }
    }
}
