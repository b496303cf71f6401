//! A name's slot: its place in the registry, which outlives the servers registered in it, and
//! the holds on it (a `NamedRef`'s, a supervisor's [`NameClaim`]).
//!
//! A slot lives while a server is registered in it or something holds it, and no longer: the
//! last of them to go removes it (under the map's lock, which is where slots are made).

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, Weak};

use tokio::sync::Notify;

use crate::process::Process;
use crate::sync::{self, AtomicUsize, Mutex, MutexGuard, Ordering, RwLock, RwLockReadGuard};

/// The names in use, each with its slot.
pub(super) type Slots = Mutex<HashMap<Arc<str>, SlotArc>>;

/// A slot, as the map and each `NamedRef` hold it (loom's `Arc` in the loom models, which
/// check that no slot leaks; the names and the map itself are std's, see `crate::sync`).
pub(super) type SlotArc = sync::Arc<Slot>;

/// One name's place in the registry.
pub(crate) struct Slot {
    pub(super) current: RwLock<Option<Entry>>,
    /// Woken when a server registers in the slot, and when a supervisor stops expecting one.
    pub(super) changed: Notify,
    /// How many supervisors are bringing the name back ([`NameClaim`]s that expect it): while
    /// any is, a call through the name waits for the next holder; otherwise it fails at once.
    pub(super) expected: AtomicUsize,
    /// How many `NamedRef`s hold the slot. Goes from 0 to 1 only under the map's lock (a
    /// clone needs a holder, so it never does).
    pub(super) refs: AtomicUsize,
    /// The map the slot is in, for the last `NamedRef` to remove it from.
    pub(super) owner: Weak<Slots>,
}

pub(super) struct Entry {
    pub(super) process: Arc<Process>,
    /// The `ServerRef<S>` of the registered server, behind `Any` so one map holds every type
    /// (shared with the event of its registration, when someone listens).
    pub(super) server: Arc<dyn Any + Send + Sync>,
    pub(super) type_name: &'static str,
}

/// Locks `m`, recovering it if a panic poisoned it.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Slot {
    pub(super) fn new(owner: &Arc<Slots>) -> SlotArc {
        SlotArc::new(Slot {
            current: RwLock::new(None),
            changed: Notify::new(),
            expected: AtomicUsize::new(0),
            refs: AtomicUsize::new(0),
            owner: Arc::downgrade(owner),
        })
    }

    /// `true` when no running server holds the slot and no `NamedRef` uses it: nothing needs
    /// it any more. Meaningful under the map's lock.
    pub(super) fn unused(&self) -> bool {
        self.refs.load(Ordering::Acquire) == 0 && self.with_live(|e| e.is_none())
    }

    /// `true` while some supervisor is bringing the name back.
    pub(super) fn is_expected(&self) -> bool {
        self.expected.load(Ordering::SeqCst) > 0
    }

    /// Called by the last `NamedRef` to let go of the slot: removes it from its map if it is
    /// still there and nothing took it up meanwhile.
    #[cold]
    pub(super) fn release(&self, name: &str) {
        let Some(owner) = self.owner.upgrade() else {
            return;
        };
        let mut slots = lock(&owner);
        // The name may have a new slot already, if this one was removed when its server left.
        if slots.get(name).is_some_and(|s| std::ptr::eq(&**s, self)) && self.unused() {
            slots.remove(name);
        }
    }

    pub(super) fn read(&self) -> RwLockReadGuard<'_, Option<Entry>> {
        self.current.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live entry, if any.
    pub(super) fn with_live<R>(&self, f: impl FnOnce(Option<&Entry>) -> R) -> R {
        let current = self.read();
        f(current.as_ref().filter(|e| e.process.is_alive()))
    }
}

/// A supervisor's hold on the name of a child it supervises: while the claim *expects* the name
/// (the child runs, or is being brought back: a restart in progress, a backoff pending, a retry
/// of a failed restart), a call through the name that finds nobody waits for the next holder,
/// within its timeout. Once no claim expects it (the child ended for good, was terminated or
/// removed, or the supervisor is shutting down or gone), such a call fails at once with
/// [`CallError::NotRunning`](crate::CallError::NotRunning). Dropping the claim stops
/// expecting, so a supervisor that is killed lets go of its names too.
pub(crate) struct NameClaim {
    name: Arc<str>,
    slot: SlotArc,
    expecting: bool,
}

impl NameClaim {
    /// A claim on `slot`, already held (counted in its `refs`) for it; not yet expecting.
    pub(super) fn new(name: Arc<str>, slot: SlotArc) -> Self {
        NameClaim {
            name,
            slot,
            expecting: false,
        }
    }

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
