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
    /// Whether the current thread is inside one of perennial's catches.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, catching a panic in it, as code whose panics perennial catches (the hook of
/// [`quiet_caught_panics`] knows them by this). Called around every poll of every handler, so
/// it costs two thread-local accesses beyond the catch: the outer state is restored after the
/// catch, panic or not, for nested catches.
#[inline]
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    let outer = CATCHING.replace(true);
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CATCHING.set(outer);
    out
}

/// `true` while a panic that perennial will catch is being raised on this thread: in a panic
/// hook, whether the panic will end up as a child's exit reason.
///
/// ```
/// use std::convert::Infallible;
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use perennial_runtime::{CallError, Context, GenServer, panics};
/// # struct Fragile;
/// # impl GenServer for Fragile {
/// #     type Args = (); type Call = (); type Reply = (); type Cast = Infallible;
/// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
/// #     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Fragile) }
/// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) { panic!("fragile") }
/// # }
///
/// /// A hook of your own: counts the panics perennial catches, reports the others.
/// static CAUGHT: AtomicU32 = AtomicU32::new(0);
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let previous = std::panic::take_hook();
/// std::panic::set_hook(Box::new(move |info| match panics::is_caught() {
///     true => drop(CAUGHT.fetch_add(1, Ordering::SeqCst)),
///     false => previous(info),
/// }));
/// let fragile = Fragile::start(()).await?;
/// assert!(matches!(fragile.call(()).await, Err(CallError::Exited(_))));
/// assert_eq!(CAUGHT.load(Ordering::SeqCst), 1);
/// # Ok(())
/// # }
/// ```
pub fn is_caught() -> bool {
    CATCHING.get()
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
        let inside = catch(is_caught);
        assert!(matches!(inside, Ok(true)));
        assert!(!is_caught());
        // A panic caught leaves the state as it was, also inside another catch.
        assert!(catch(|| panic!("boom")).is_err());
        assert!(!is_caught());
        let nested = catch(|| {
            assert!(catch(|| panic!("boom")).is_err());
            is_caught()
        });
        assert!(matches!(nested, Ok(true)));
        assert!(!is_caught());
    }
}
