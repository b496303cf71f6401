//! The bounds that `#[gen_server]` and `supervision_tree!` check at the user's own tokens.
//!
//! Each trait here stands for a bound of the runtime (`Send`, `Clone`, `std::error::Error`,
//! "is a function") and carries a `#[diagnostic::on_unimplemented]` message that says what is
//! wrong and what to write instead. They are public so that the compiler's messages name
//! public, documented items; you never implement them: each has a blanket impl over the bounds
//! it stands for (the two handler markers have none).
//!
//! ```
//! use perennial_runtime::bounds::RestartArgs;
//!
//! // A function that keeps its arguments for restarts asks for what a supervisor asks for.
//! fn keep<A: RestartArgs>(args: A) -> impl Fn() -> A {
//!     move || args.clone()
//! }
//!
//! let again = keep(String::from("db://"));
//! assert_eq!(again(), "db://");
//! ```

use core::marker::PhantomData;
use std::future::Future;

use crate::GenServer;

/// The init arguments of a child, kept by its supervisor and cloned for each (re)start:
/// `Clone + Send + Sync + 'static`.
///
/// ```
/// use perennial_runtime::bounds::RestartArgs;
///
/// fn kept<A: RestartArgs>(_: &A) {}
/// kept(&std::sync::Arc::new(5));
/// ```
#[diagnostic::on_unimplemented(
    message = "init arguments of type `{Self}` can't be kept for restarts: they must be `Clone + Send + Sync + 'static`",
    label = "cloned for every start and restart of the child",
    note = "the arguments are evaluated once, when the tree is made, and each (re)start of the child gets a clone, possibly on another thread: wrap what can't be cloned in an `Arc`, and use owned values rather than references"
)]
pub trait RestartArgs: Clone + Send + Sync + 'static {}

#[diagnostic::do_not_recommend]
impl<T: Clone + Send + Sync + 'static> RestartArgs for T {}

/// The init arguments of a gen_server, as a tree's child is given them: `S::Args`.
///
/// ```
/// use perennial_runtime::bounds::InitArgs;
/// # use std::convert::Infallible;
/// # use perennial_runtime::{Context, GenServer};
/// struct Cache;
/// # impl GenServer for Cache {
/// #     type Args = u32; type Call = (); type Reply = (); type Cast = ();
/// #     type Info = Infallible; type Continue = Infallible; type Error = Infallible;
/// #     async fn init(_: u32, _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Cache) }
/// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) {}
/// # }
///
/// let capacity: <Cache as InitArgs>::Args = 1024;
/// # let _ = capacity;
/// ```
pub trait InitArgs {
    /// `S::Args`.
    type Args;
}

impl<S: GenServer> InitArgs for S {
    type Args = S::Args;
}

/// A fresh copy of a child's init arguments, for one (re)start.
///
/// ```
/// use perennial_runtime::bounds::fresh_args;
///
/// let kept = (String::from("db://"), 8);
/// assert_eq!(fresh_args(&kept), kept);
/// ```
pub fn fresh_args<T: RestartArgs>(args: &T) -> T {
    args.clone()
}

/// What a task child's function is: called with the arguments written after it in
/// `task(f, a, b)` (`M` is its signature, `fn(A, B) -> R`), at each (re)start.
///
/// ```
/// use perennial_runtime::bounds::TaskFunction;
///
/// fn callable<F: TaskFunction<M>, M>(_: &F) {}
/// async fn serve(_port: u16) {}
/// callable(&serve);
/// callable(&|| async {});
/// ```
#[diagnostic::on_unimplemented(
    message = "`task` calls its first argument at each (re)start, and `{Self}` is not a function",
    label = "not a function",
    note = "write `task(f, args..)` to call an `async fn` with its arguments at each (re)start, or `task(|| async {{ .. }})`"
)]
pub trait TaskFunction<M> {
    /// The function itself (`Self`).
    type Function;
}

macro_rules! task_function {
    ($($arg:ident),*) => {
        #[diagnostic::do_not_recommend]
        impl<F, R, $($arg),*> TaskFunction<fn($($arg),*) -> R> for F
        where
            F: Fn($($arg),*) -> R,
        {
            type Function = F;
        }
    };
}

task_function!();
task_function!(A);
task_function!(A, B);
task_function!(A, B, C);
task_function!(A, B, C, D);
task_function!(A, B, C, D, E);
task_function!(A, B, C, D, E, G);
task_function!(A, B, C, D, E, G, H);
task_function!(A, B, C, D, E, G, H, I);
task_function!(A, B, C, D, E, G, H, I, J);
task_function!(A, B, C, D, E, G, H, I, J, K);
task_function!(A, B, C, D, E, G, H, I, J, K, L);
task_function!(A, B, C, D, E, G, H, I, J, K, L, N);

/// Asserts that a task child's function is a function, and hands it back. When it is not, the
/// result is of an unknown type, so that its call reports nothing more.
///
/// ```
/// use perennial_runtime::bounds::task_function;
///
/// let double = task_function(|n: u32| async move { n * 2 });
/// let _future = double(21);
/// ```
pub fn task_function<F, M>(f: F) -> <F as TaskFunction<M>>::Function
where
    F: TaskFunction<M, Function = F>,
{
    f
}

/// What a task child's function returns when called: a future.
///
/// ```
/// use perennial_runtime::bounds::TaskFuture;
///
/// fn runs<F: TaskFuture>(_: F) {}
/// runs(async {});
/// ```
#[diagnostic::on_unimplemented(
    message = "a task child runs a future, and its function returns `{Self}`, which is not one",
    label = "this function is not async",
    note = "write an `async fn`, or a closure returning a future: `task(|| async {{ .. }})`"
)]
pub trait TaskFuture: Future {}

#[diagnostic::do_not_recommend]
impl<F: Future> TaskFuture for F {}

/// Asserts that a task child's function made a future (its output and `Send` are checked by
/// the supervisor's own bounds).
///
/// ```
/// use perennial_runtime::bounds::task_future;
///
/// let _future = task_future(async { 1 });
/// ```
pub fn task_future<F: TaskFuture>(future: F) -> F {
    future
}

/// The init arguments of the children of a dynamic supervisor, kept for their restarts:
/// `Clone + Sync`.
///
/// ```
/// use perennial_runtime::bounds::DynamicArgs;
///
/// fn kept<A: DynamicArgs>(_: &A) {}
/// kept(&String::from("job"));
/// ```
#[diagnostic::on_unimplemented(
    message = "a dynamic_supervisor keeps the init arguments of each child it starts for its restarts, so they must be `Clone + Sync`, and `{Self}` is not",
    label = "the init arguments of this gen_server",
    note = "wrap what can't be cloned in an `Arc`"
)]
pub trait DynamicArgs: Clone + Sync {}

#[diagnostic::do_not_recommend]
impl<T: Clone + Sync> DynamicArgs for T {}

// The checks of `#[gen_server]` expansions: what the macro cannot see (is a type `Send`? what is
// `init`'s error type? is a method a handler?) reported at the user's own tokens with a message
// that says what to do.

/// The error type of an `init` returning an alias of `Result` (`io::Result<Self>`).
///
/// ```
/// use perennial_runtime::bounds::InitResult;
///
/// let _: Option<<std::io::Result<u8> as InitResult>::Error> = None::<std::io::Error>;
/// ```
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
#[doc(hidden)]
pub struct Probe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> Probe<T> {
    /// A probe for `T`.
    pub const NEW: Self = Probe(PhantomData);
}

/// The answer of `#[gen_server]`'s `Send` probe for a `Send` type: the checks
/// ([`SendState`], [`SendMessage`], [`SendReply`]) hold only for it.
///
/// ```
/// use perennial_runtime::bounds::{IsSend, Require};
///
/// IsSend.state_is_send::<Vec<u8>>();
/// ```
pub struct IsSend;

/// The answer of `#[gen_server]`'s `Send` probe for a type that is not `Send`: the checks
/// ([`SendState`], [`SendMessage`], [`SendReply`]) hold only for [`IsSend`].
///
/// ```
/// use perennial_runtime::bounds::{NotSend, SendState};
///
/// fn state_is_send<T: SendState<P>, P>() {}
/// state_is_send::<u8, _>();
/// let _answer: Option<NotSend> = None;
/// ```
pub struct NotSend;

/// Chosen first, when `T: Send`.
#[doc(hidden)]
pub trait ViaSend {
    /// See [`Probe`].
    fn probe(&self) -> IsSend {
        IsSend
    }
}

impl<T: ?Sized + Send> ViaSend for Probe<T> {}

/// Chosen otherwise, one autoref later.
#[doc(hidden)]
pub trait ViaAny {
    /// See [`Probe`].
    fn probe(&self) -> NotSend {
        NotSend
    }
}

impl<T: ?Sized> ViaAny for &Probe<T> {}

/// The state of a gen_server, which moves into the server's own task: `Send`. Implemented
/// for every `Send` type with `P` = the probe's answer for it.
///
/// ```
/// use perennial_runtime::bounds::SendState;
///
/// fn state_is_send<T: SendState<P>, P>() {}
/// state_is_send::<Vec<u8>, _>();
/// ```
#[diagnostic::on_unimplemented(
    message = "the state of a gen_server must be `Send`, and `{Self}` is not",
    label = "this state is not `Send`",
    note = "a gen_server's state moves into the server's own task, which may run on any \
            thread: replace `Rc` with `Arc`, `RefCell` with `Mutex`, and keep guards and \
            other thread-bound values out of the state"
)]
pub trait SendState<P> {}
impl<T: ?Sized> SendState<IsSend> for T {}

/// A message argument of a gen_server, which moves from the caller's task to the server's:
/// `Send`. Implemented for every `Send` type with `P` = the probe's answer for it.
///
/// ```
/// use perennial_runtime::bounds::SendMessage;
///
/// fn message_is_send<T: SendMessage<P>, P>() {}
/// message_is_send::<String, _>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot travel in a message to a gen_server: it is not `Send`",
    label = "this argument type is not `Send`",
    note = "messages move from the caller's task to the server's, which may run on \
            another thread: take an owned, `Send` type (`Arc` instead of `Rc`, `String` \
            instead of a pointer)"
)]
pub trait SendMessage<P> {}
impl<T: ?Sized> SendMessage<IsSend> for T {}

/// A reply of a gen_server, which moves from the server's task to the caller's: `Send`.
/// Implemented for every `Send` type with `P` = the probe's answer for it.
///
/// ```
/// use perennial_runtime::bounds::SendReply;
///
/// fn reply_is_send<T: SendReply<P>, P>() {}
/// reply_is_send::<u64, _>();
/// ```
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
#[doc(hidden)]
pub struct ErrorProbe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> ErrorProbe<T> {
    /// A probe for `T`.
    pub const NEW: Self = ErrorProbe(PhantomData);
}

/// The answer of `#[gen_server]`'s error probe for a type that can be `init`'s error:
/// [`InitErrorType`] holds only for it.
///
/// ```
/// use perennial_runtime::bounds::{IsError, Require};
///
/// IsError.init_error::<std::io::Error>();
/// ```
pub struct IsError;

/// The answer of `#[gen_server]`'s error probe for a type that cannot be `init`'s error:
/// [`InitErrorType`] holds only for [`IsError`].
///
/// ```
/// use perennial_runtime::bounds::NotError;
///
/// let _answer: Option<NotError> = None;
/// ```
pub struct NotError;

/// Chosen first, when `T` is an error type.
#[doc(hidden)]
pub trait ViaError {
    /// See [`ErrorProbe`].
    fn probe_error(&self) -> IsError {
        IsError
    }
}

impl<T: ?Sized + std::error::Error + Send + Sync + 'static> ViaError for ErrorProbe<T> {}

/// Chosen otherwise, one autoref later.
#[doc(hidden)]
pub trait ViaAnyError {
    /// See [`ErrorProbe`].
    fn probe_error(&self) -> NotError {
        NotError
    }
}

impl<T: ?Sized> ViaAnyError for &ErrorProbe<T> {}

/// The error type of a gen_server's `init`: `std::error::Error + Send + Sync + 'static`.
/// Implemented for every such type with `P` = the probe's answer for it.
///
/// ```
/// use perennial_runtime::bounds::InitErrorType;
///
/// fn init_error<T: InitErrorType<P>, P>() {}
/// init_error::<std::io::Error, _>();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of a gen_server's `init`: it is not a \
               `std::error::Error + Send + Sync + 'static`",
    label = "not an error type",
    note = "a failed `init` becomes `StartError::Init` and the exit reason a supervisor \
            reads: return your own error type that implements `std::error::Error` \
            (`thiserror` writes the impl), or `std::io::Error::other(message)`"
)]
pub trait InitErrorType<P> {}
impl<T: ?Sized> InitErrorType<IsError> for T {}

/// Turns a probe's answer into a checked bound on the probed type: `#[gen_server]` calls
/// these on the answers of its probes, at the user's types.
///
/// ```
/// use perennial_runtime::bounds::{IsSend, Require};
///
/// IsSend.message_is_send::<String>();
/// IsSend.reply_is_send::<u64>();
/// ```
///
/// ```compile_fail
/// use perennial_runtime::bounds::{NotSend, Require};
///
/// NotSend.state_is_send::<std::rc::Rc<u8>>(); // the answer for a type that is not `Send`
/// ```
pub trait Require: Sized {
    /// `T` can be `init`'s error.
    fn init_error<T: ?Sized + InitErrorType<Self>>(self) {}
    /// `T` is a server state that can move to its task.
    fn state_is_send<T: ?Sized + SendState<Self>>(self) {}
    /// `T` can travel in a message.
    fn message_is_send<T: ?Sized + SendMessage<Self>>(self) {}
    /// `T` can travel in a reply.
    fn reply_is_send<T: ?Sized + SendReply<Self>>(self) {}
}

impl<P> Require for P {}

/// `T` itself, reached through the length of an array that is `0` when a gen_server's checks
/// passed: when they failed, the length is an error, and so is the type, so that the
/// generated items' bounds on `T` hold and report nothing more than the check did.
#[doc(hidden)]
pub trait Checked<T: ?Sized> {
    /// `T`.
    type Is: ?Sized;
}

impl<T: ?Sized> Checked<T> for [(); 0] {
    type Is = T;
}

/// Implemented by no type: the bound of the stand-in client methods that `#[gen_server]` writes
/// for the state's unmarked methods, so that calling one through the client says that the
/// method is not a handler, at the call.
///
/// ```compile_fail
/// use perennial_runtime::bounds::CallOrCastHandler;
///
/// fn handler<T: CallOrCastHandler>() {}
/// handler::<u8>(); // no type is one
/// ```
#[diagnostic::on_unimplemented(
    message = "this method of `{Self}` is not a `#[call]` or `#[cast]` handler, so the client of `{Self}` cannot send it",
    label = "not a message of the `{Self}` gen_server",
    note = "a method of a `#[gen_server]` impl block is a helper unless it is marked: mark it `#[call]` if the caller waits for its reply, `#[cast]` if it does not"
)]
pub trait CallOrCastHandler {}

/// Implemented by no type: the bound of the stand-in `info` method of the client of a server
/// without an `#[info]` handler.
///
/// ```compile_fail
/// use perennial_runtime::bounds::InfoHandler;
///
/// fn handler<T: InfoHandler>() {}
/// handler::<u8>(); // no type is one
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[info]` handler, so it takes no info messages",
    label = "`{Self}` has no `#[info]` handler",
    note = "add one to its `#[gen_server]` impl block, such as `#[info] fn on_message(&mut self, message: MyInfo)` (one per server: an enum for several kinds)"
)]
pub trait InfoHandler {}

/// The info type of a `#[gen_server]` without an `#[info]` handler: no value of it exists, so
/// nothing can send it one, and a type mismatch that names it says what is missing.
///
/// ```
/// use perennial_runtime::bounds::NoInfoHandler;
///
/// let none: Option<NoInfoHandler> = None;
/// assert!(none.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoInfoHandler {}

/// The continue type of a `#[gen_server]` without a `#[handle_continue]` handler: no value of
/// it exists, so `ctx.continue_with(..)` is refused, naming what is missing.
///
/// ```
/// use perennial_runtime::bounds::NoHandleContinueHandler;
///
/// let none: Option<NoHandleContinueHandler> = None;
/// assert!(none.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoHandleContinueHandler {}

/// Implemented by no type: the bound of the stand-ins of a started tree's methods
/// (`shutdown`, `join`, `supervisor`) on its spec, [`TreeSpec`](crate::tree::TreeSpec), so
/// that calling one before the tree is started says so.
///
/// ```compile_fail
/// use perennial_runtime::bounds::StartedTree;
///
/// fn started<T: StartedTree>() {}
/// started::<u8>(); // no type is one
/// ```
#[diagnostic::on_unimplemented(
    message = "this tree is not started: `supervision_tree! {{ .. }}` is its spec",
    label = "the tree is not started yet",
    note = "start it and await it first: `let app = supervision_tree! {{ .. }}.start().await?;` (`App::start(..).await?` for a tree with a header)"
)]
pub trait StartedTree {}

/// A tree that is not started: the type in the bound of the stand-ins of [`StartedTree`], which
/// it does not implement.
///
/// ```
/// use perennial_runtime::bounds::NotStartedTree;
///
/// let _not_started = NotStartedTree;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NotStartedTree;

/// Implemented by no type: the bound of the stand-ins of a gen_server client's methods, reached
/// from a child of a tree's spec ([`NotStarted`](crate::tree::NotStarted)), so that calling
/// one before the tree is started says so.
///
/// ```compile_fail
/// use perennial_runtime::bounds::StartedChild;
///
/// fn started<T: StartedChild>() {}
/// started::<u8>(); // no type is one
/// ```
#[diagnostic::on_unimplemented(
    message = "this `{Self}` child belongs to a tree that is not started: `supervision_tree! {{ .. }}` is the tree's spec",
    label = "the tree of this child is not started yet",
    note = "start the tree and await it first: `let app = supervision_tree! {{ .. }}.start().await?;` (`App::start(..).await?` for a tree with a header), then use `app.<child>`"
)]
pub trait StartedChild {}
