//! Erlang/OTP-style supervision trees for tokio.
//!
//! perennial runs your servers the way OTP does: each [`GenServer`] owns its state in its own
//! task, talks through typed calls and casts, and exits with an [`ExitReason`] that a supervisor
//! reads to decide what to restart. Panics are caught, calls never hang past their timeout,
//! and a [`Registry`] maps names to the server that holds them right now.
//!
//! This crate is the facade: it re-exports the runtime ([`perennial_runtime`]) and offers a
//! [`prelude`].

#![deny(missing_docs)]

pub use perennial_runtime::*;

pub use perennial_macros::gen_server;
pub use perennial_macros::supervision_tree;

pub mod guide;

/// The names most programs need: `use perennial::prelude::*;` brings both macros, the
/// [`GenServer`] trait and its [`Context`], references, the registry, exit reasons and errors.
///
/// ```
/// use perennial::prelude::*;
///
/// struct Counter(u64);
///
/// #[gen_server]
/// impl Counter {
///     fn init(start: u64) -> Self {
///         Counter(start)
///     }
///
///     #[call]
///     fn get(&self) -> u64 {
///         self.0
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let app = supervision_tree! { app: supervisor { counter: Counter(7) } }
///     .start()
///     .await?;
/// assert_eq!(app.counter.get().await?, 7);
/// app.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub mod prelude {
    pub use perennial_macros::{gen_server, supervision_tree};
    pub use perennial_runtime::{
        CallError, CastError, Context, ExitReason, GenServer, NamedRef, Registry, ServerRef,
        StartError,
    };
}

/// The README's examples, compiled and run as doc tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Paths used by generated code. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use perennial_runtime as runtime;

    /// Compile-time checks that `#[gen_server]` expansions run, so that what the macro cannot
    /// see (is a type `Send`? what is `init`'s error type?) is reported at the user's own type
    /// with a message that says what to do.
    pub mod gen_server {
        use core::marker::PhantomData;

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
    }
}
