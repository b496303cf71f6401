//! Compile-time checks that `supervision_tree!` expansions run at the user's tokens, so that a
//! child of the wrong kind or with the wrong arguments is reported where it is written, with a
//! message that says what is expected. Not public API.
//!
//! Each check is a trait with a blanket impl over the bounds it stands for: when the bounds do
//! not hold, the compiler reports the trait's own `on_unimplemented` message.

use std::future::Future;

/// The init arguments of a child, kept by its supervisor and cloned for each (re)start.
#[diagnostic::on_unimplemented(
    message = "init arguments of type `{Self}` can't be kept for restarts: they must be `Clone + Send + Sync + 'static`",
    label = "cloned for every start and restart of the child",
    note = "the arguments are evaluated once, when the tree is made, and each (re)start of the child gets a clone, possibly on another thread: wrap what can't be cloned in an `Arc`, and use owned values rather than references"
)]
pub trait RestartArgs: Clone + Send + Sync + 'static {}

impl<T: Clone + Send + Sync + 'static> RestartArgs for T {}

/// A fresh copy of a child's init arguments, for one (re)start.
pub fn again<T: RestartArgs>(args: &T) -> T {
    args.clone()
}

/// What a task child's function returns when called.
#[diagnostic::on_unimplemented(
    message = "a task child runs a future, and its function returns `{Self}`, which is not one",
    label = "this function is not async",
    note = "write an `async fn`, or a closure returning a future: `task(|| async {{ .. }})`"
)]
pub trait TaskFuture: Future {}

impl<F: Future> TaskFuture for F {}

/// Asserts that a task child's function made a future (its output and `Send` are checked by
/// the supervisor's own bounds).
pub fn task<F: TaskFuture>(future: F) -> F {
    future
}

/// The children of a dynamic supervisor are started with arguments kept for their restarts.
#[diagnostic::on_unimplemented(
    message = "a dynamic_supervisor keeps the init arguments of each child it starts for its restarts, so they must be `Clone + Sync`, and `{Self}` is not",
    label = "the init arguments of this gen_server",
    note = "wrap what can't be cloned in an `Arc`"
)]
pub trait DynamicArgs: Clone + Sync {}

impl<T: Clone + Sync> DynamicArgs for T {}

/// Stands for an argument that `supervision_tree!` already reported as a mistake, so that the
/// rest of the tree still expands (for the IDE) without errors of its own. Never runs: the
/// macro's `compile_error!` stops the build.
pub fn placeholder<T>() -> T {
    unreachable!("supervision_tree! reported this argument as a compile error")
}
