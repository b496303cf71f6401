//! The synchronisation types of the runtime's hand-written primitives ([`reply`](crate::reply),
//! [`mailbox`](crate::mailbox), the slots of the [`registry`](crate::registry)): std's, or
//! loom's in the loom models' build (the unit tests under `--cfg loom`, see
//! `crate::loom_support`), so that the code the models check is the code that runs.
//!
//! loom has no `Weak`: what is only ever downgraded (the registry's map of names) keeps std's
//! `Arc` and `Weak` in every build. It is made once per registry, outside the models' threads;
//! the slots it holds are loom's `Arc`s.
//!
//! In every other build (`--cfg loom` without `test` too: loom is only a dev-dependency)
//! everything here is a re-export of std or an `#[inline]` identity: the runtime compiles to
//! exactly what it would with std named directly.

#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};
#[cfg(not(all(test, loom)))]
pub(crate) use std::thread_local;

#[cfg(all(test, loom))]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
#[cfg(all(test, loom))]
pub(crate) use loom::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};
/// loom's `thread_local!`, taking the `const { .. }` initialisers std's takes (loom's macro,
/// of an older edition, does not parse them).
#[cfg(all(test, loom))]
macro_rules! const_thread_local {
    ($($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr };)*) => {
        loom::thread_local! { $($(#[$attr])* $vis static $name: $t = $init;)* }
    };
}
#[cfg(all(test, loom))]
pub(crate) use const_thread_local as thread_local;

/// Orders the `SeqCst` accesses around it, for loom only: a no-op in the real build.
///
/// loom treats `SeqCst` loads and stores as `AcqRel` (its README says so, with the false alarms
/// that follow), so it lets a thread's `SeqCst` write and a later `SeqCst` read of another
/// location be reordered, which the real `SeqCst` order forbids. Placed between two such
/// accesses, this fence (real under loom, which models `fence(SeqCst)` fully) gives loom back
/// the order the real build already has. It also stands for the `SeqCst` accesses inside
/// tokio's `Notify`, which loom cannot see.
#[cfg(not(all(test, loom)))]
#[inline(always)]
pub(crate) fn seq_cst_for_loom() {}

/// See the std build's: a `fence(SeqCst)` under loom.
#[cfg(all(test, loom))]
pub(crate) fn seq_cst_for_loom() {
    loom::sync::atomic::fence(Ordering::SeqCst);
}

/// An `Arc` of any type, as a thread keeps its spare reply slots.
pub(crate) use any_arc::{AnyArc, any_type_id, downcast, into_any, type_id_of};

/// With std, an [`AnyArc`] is the `Arc` itself, unsized.
#[cfg(not(all(test, loom)))]
mod any_arc {
    use std::any::{Any, TypeId};
    use std::sync::Arc;

    pub(crate) type AnyArc = Arc<dyn Any + Send + Sync>;

    #[inline]
    pub(crate) fn into_any<S: Any + Send + Sync>(arc: Arc<S>) -> AnyArc {
        arc
    }

    #[inline]
    pub(crate) fn downcast<S: Any + Send + Sync>(any: AnyArc) -> Result<Arc<S>, AnyArc> {
        any.downcast::<S>()
    }

    /// The type an [`AnyArc`] holds, as [`type_id_of`] names it.
    #[inline]
    pub(crate) fn any_type_id(any: &AnyArc) -> TypeId {
        (**any).type_id()
    }

    /// How [`any_type_id`] names an `Arc<S>` made into an [`AnyArc`].
    #[inline]
    pub(crate) fn type_id_of<S: Any>() -> TypeId {
        TypeId::of::<S>()
    }
}

/// loom's `Arc` cannot be unsized, nor downcast: an [`AnyArc`] is a box holding the typed `Arc`.
/// (The box is the only difference from the std build, and no concurrency depends on it.)
#[cfg(all(test, loom))]
mod any_arc {
    use std::any::{Any, TypeId};

    use loom::sync::Arc;

    pub(crate) type AnyArc = Box<dyn Any + Send + Sync>;

    pub(crate) fn into_any<S: Any + Send + Sync>(arc: Arc<S>) -> AnyArc {
        Box::new(arc)
    }

    pub(crate) fn downcast<S: Any + Send + Sync>(any: AnyArc) -> Result<Arc<S>, AnyArc> {
        any.downcast::<Arc<S>>().map(|arc| *arc)
    }

    pub(crate) fn any_type_id(any: &AnyArc) -> TypeId {
        (**any).type_id()
    }

    pub(crate) fn type_id_of<S: Any>() -> TypeId {
        TypeId::of::<Arc<S>>()
    }
}
