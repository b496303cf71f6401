//! Panics that perennial catches, kept off stderr.
//!
//! A panic in a gen_server callback or a task is caught by the runtime and becomes the
//! process's exit reason ([`ExitReason::Panic`](crate::ExitReason::Panic)), logged as ERROR with
//! the child's name. Rust's default panic hook prints it to stderr as well, before the runtime
//! sees it. [`quiet_caught_panics`] installs a hook that leaves out exactly those panics, and
//! hands every other one (in `main`, in a thread or task of your own) to the hook that was
//! there before.

use std::cell::Cell;
use std::panic::PanicHookInfo;

thread_local! {
    /// How many of perennial's catches the current thread is inside of.
    static CATCHING: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f` as code whose panics perennial catches.
#[inline]
pub(crate) fn catching<R>(f: impl FnOnce() -> R) -> R {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            CATCHING.with(|c| c.set(c.get().saturating_sub(1)));
        }
    }
    CATCHING.with(|c| c.set(c.get() + 1));
    let _leave = Leave;
    f()
}

/// `true` while a panic that perennial will catch is being raised on this thread: in a panic
/// hook, whether the panic will end up as a child's exit reason.
pub fn is_caught() -> bool {
    CATCHING.with(|c| c.get() > 0)
}

/// Installs a panic hook that keeps the panics perennial catches off stderr (they are logged
/// as exit reasons; the hook logs their location at DEBUG) and passes every other panic to
/// the hook installed before, so your application's own panics are reported as usual.
///
/// Call it once, early in `main`, after installing any hook of your own.
///
/// ```
/// use perennial_runtime::panics;
///
/// panics::quiet_caught_panics();
/// // A panic outside perennial still reaches the previous hook (the default one prints it).
/// assert!(!panics::is_caught());
/// ```
pub fn quiet_caught_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
        if is_caught() {
            if let Some(location) = info.location() {
                tracing::debug!(%location, "caught panic");
            }
            return;
        }
        previous(info);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_panics_inside_a_catch_are_caught_ones() {
        assert!(!is_caught());
        let inside = catching(is_caught);
        assert!(inside);
        assert!(!is_caught());
        // A panic unwinding out of the catch leaves the count as it was.
        let _ = std::panic::catch_unwind(|| catching(|| panic!("boom")));
        assert!(!is_caught());
    }
}
