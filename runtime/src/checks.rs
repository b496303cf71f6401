//! Compile-time checks that `supervision_tree!` expansions run at the user's tokens, so that a
//! child of the wrong kind or with the wrong arguments is reported where it is written, with a
//! message that says what is expected. Not public API.
//!
//! Each check is a trait with a blanket impl over the bounds it stands for: when the bounds do
//! not hold, the compiler reports the trait's own `on_unimplemented` message.

use core::marker::PhantomData;
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

// The checks of `#[gen_server]` expansions: what the macro cannot see (is a type `Send`? what is
// `init`'s error type? is a method a handler?) reported at the user's own tokens with a message
// that says what to do.

/// The error type of an `init` returning an alias of `Result` (`io::Result<Self>`).
#[diagnostic::on_unimplemented(
    message = "`init` must return `Self` or `Result<Self, E>`, not `{Self}`",
    label = "not a `Result`"
)]
pub trait InitResult {
    /// The `E` of `Result<T, E>`.
    type Error;
}

impl<T, E> InitResult for Result<T, E> {
    type Error = E;
}

/// Autoref probe: `(&Probe::<T>::NEW).probe()` is an [`IsSend`] when `T: Send`, and a
/// [`NotSend`] otherwise, without an error of its own.
pub struct Probe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> Probe<T> {
    /// A probe for `T`.
    pub const NEW: Self = Probe(PhantomData);
}

/// `T` is `Send`.
pub struct IsSend;
/// `T` is not `Send`.
pub struct NotSend;

/// Chosen first, when `T: Send`.
pub trait ViaSend {
    /// See [`Probe`].
    fn probe(&self) -> IsSend {
        IsSend
    }
}

impl<T: ?Sized + Send> ViaSend for Probe<T> {}

/// Chosen otherwise, one autoref later.
pub trait ViaAny {
    /// See [`Probe`].
    fn probe(&self) -> NotSend {
        NotSend
    }
}

impl<T: ?Sized> ViaAny for &Probe<T> {}

/// Implemented by every type whose probe said `Send`.
#[diagnostic::on_unimplemented(
    message = "the state of a gen_server must be `Send`, and `{Self}` is not",
    label = "this state is not `Send`",
    note = "a gen_server's state moves into the server's own task, which may run on any \
            thread: replace `Rc` with `Arc`, `RefCell` with `Mutex`, and keep guards and \
            other thread-bound values out of the state"
)]
pub trait SendState<P> {}
impl<T: ?Sized> SendState<IsSend> for T {}

/// Implemented by every type whose probe said `Send`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot travel in a message to a gen_server: it is not `Send`",
    label = "this argument type is not `Send`",
    note = "messages move from the caller's task to the server's, which may run on \
            another thread: take an owned, `Send` type (`Arc` instead of `Rc`, `String` \
            instead of a pointer)"
)]
pub trait SendMessage<P> {}
impl<T: ?Sized> SendMessage<IsSend> for T {}

/// Implemented by every type whose probe said `Send`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot travel back from a gen_server as a reply: it is not `Send`",
    label = "this reply type is not `Send`",
    note = "a reply moves from the server's task to the caller's, which may run on \
            another thread: return an owned, `Send` type (`Arc` instead of `Rc`)"
)]
pub trait SendReply<P> {}
impl<T: ?Sized> SendReply<IsSend> for T {}

/// Autoref probe: `(&ErrorProbe::<T>::NEW).probe_error()` is an [`IsError`] when `T`
/// can be `init`'s error type, and a [`NotError`] otherwise.
pub struct ErrorProbe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> ErrorProbe<T> {
    /// A probe for `T`.
    pub const NEW: Self = ErrorProbe(PhantomData);
}

/// `T` can be `init`'s error.
pub struct IsError;
/// `T` cannot be `init`'s error.
pub struct NotError;

/// Chosen first, when `T` is an error type.
pub trait ViaError {
    /// See [`ErrorProbe`].
    fn probe_error(&self) -> IsError {
        IsError
    }
}

impl<T: ?Sized + std::error::Error + Send + Sync + 'static> ViaError for ErrorProbe<T> {}

/// Chosen otherwise, one autoref later.
pub trait ViaAnyError {
    /// See [`ErrorProbe`].
    fn probe_error(&self) -> NotError {
        NotError
    }
}

impl<T: ?Sized> ViaAnyError for &ErrorProbe<T> {}

/// Implemented by every type whose probe said it is an error type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of a gen_server's `init`: it is not a \
               `std::error::Error + Send + Sync + 'static`",
    label = "not an error type",
    note = "a failed `init` becomes `StartError::Init` and the exit reason a supervisor \
            reads: return your own error type that implements `std::error::Error` \
            (`thiserror` writes the impl), or `std::io::Error::other(message)`"
)]
pub trait InitError<P> {}
impl<T: ?Sized> InitError<IsError> for T {}

/// Turns a probe's answer into a checked bound on the probed type.
pub trait Require: Sized {
    /// `T` can be `init`'s error.
    fn init_error<T: ?Sized + InitError<Self>>(self) {}
    /// `T` is a server state that can move to its task.
    fn state_is_send<T: ?Sized + SendState<Self>>(self) {}
    /// `T` can travel in a message.
    fn message_is_send<T: ?Sized + SendMessage<Self>>(self) {}
    /// `T` can travel in a reply.
    fn reply_is_send<T: ?Sized + SendReply<Self>>(self) {}
}

impl<P> Require for P {}

/// Implemented by no type: the bound of the stand-in client methods that `#[gen_server]` writes
/// for the state's unmarked methods, so that calling one through the client says that the
/// method is not a handler, at the call.
#[diagnostic::on_unimplemented(
    message = "this method of `{Self}` is not a `#[call]` or `#[cast]` handler, so the client of `{Self}` cannot send it",
    label = "not a message of the `{Self}` gen_server",
    note = "a method of a `#[gen_server]` impl block is a helper unless it is marked: mark it `#[call]` if the caller waits for its reply, `#[cast]` if it does not"
)]
pub trait CallOrCastHandler {}

/// Implemented by no type: the bound of the stand-in `info` method of the client of a server
/// without an `#[info]` handler.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[info]` handler, so it takes no info messages",
    label = "`{Self}` has no `#[info]` handler",
    note = "add one to its `#[gen_server]` impl block, such as `#[info] fn on_message(&mut self, message: MyInfo)` (one per server: an enum for several kinds)"
)]
pub trait InfoHandler {}

/// The info type of a `#[gen_server]` without an `#[info]` handler: no value of it exists, so
/// nothing can send it one, and a type mismatch that names it says what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoInfoHandler {}

/// The continue type of a `#[gen_server]` without a `#[handle_continue]` handler: no value of
/// it exists, so `ctx.continue_with(..)` is refused, naming what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoHandleContinueHandler {}
