//! The one path of every call and ping, whichever reference it is sent through: a
//! [`ServerRef`](crate::ServerRef) (one incarnation), a [`NamedRef`](crate::NamedRef) (whoever
//! holds a name), or a [`Client`](crate::Client) wrapping either.
//!
//! A reference says only how it queues a request (its [`Route`]): at once when it can, else by
//! waiting (for room in a bounded mailbox, for a name being brought back) or failing. The rest
//! is the same for all and is written once, here: take a reply slot, queue, wait for the reply
//! within the timeout, and map what came back to the call's result. The path goes on to
//! [`reply`](crate::reply) (the slot, then the wait) and never back.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::time::Duration;

use tokio::time::Instant;

use crate::mailbox::Envelope;
use crate::process::Process;
use crate::reply::{ReplyWait, SlotTx, reply_outcome, reply_slot};
use crate::{CallError, GenServer};

/// How long a call waits for its reply unless told otherwise: 5 seconds, as in OTP.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// How a reference queues a request with its server.
pub(crate) trait Route<S: GenServer> {
    /// What a request that could not be queued at once carries on to [`queue`](Self::queue).
    type Blocked: Send;

    /// What queueing told of the server the request went to, for [`server`](Self::server):
    /// nothing (`()`) for a reference that knows its server anyway.
    type Learnt: Default + Send;

    /// Queues `envelope` if that takes no wait. Refuses a server calling itself, which would
    /// deadlock.
    fn try_queue(&self, envelope: Envelope<S>) -> Result<(), Self::Blocked>;

    /// Queues what [`try_queue`](Self::try_queue) could not, waiting within `timeout` where the
    /// reference waits at all, or fails with the call's error.
    fn queue(
        &self,
        blocked: Self::Blocked,
        timeout: Duration,
    ) -> impl Future<Output = Result<Queued<Self::Learnt>, CallError>> + Send;

    /// The server whose exit explains a reply slot let go of without an answer, if known.
    fn server<'a>(&'a self, learnt: &'a Self::Learnt) -> Option<&'a Process>;
}

/// How a request got queued.
pub(crate) enum Queued<L> {
    /// Without a wait: the reply wait counts its own, coarse deadline (see `ReplyWait::after`).
    AtOnce,
    /// After a wait, which fixed the call's deadline (`None`: no timeout); with what it told
    /// of the server.
    AfterWait {
        deadline: Option<Instant>,
        learnt: L,
    },
}

/// Sends the request `envelope` makes of a reply slot through `route`, and waits up to
/// `timeout` for the reply.
pub(crate) async fn request<S: GenServer, T: Send + 'static, R: Route<S>>(
    route: &R,
    envelope: impl FnOnce(SlotTx<T>) -> Envelope<S>,
    timeout: Duration,
) -> Result<T, CallError> {
    let (reply, rx) = reply_slot();
    let (mut wait, learnt) = match route.try_queue(envelope(reply)) {
        Ok(()) => (ReplyWait::after(rx, timeout), R::Learnt::default()),
        Err(blocked) => match route.queue(blocked, timeout).await? {
            Queued::AtOnce => (ReplyWait::after(rx, timeout), R::Learnt::default()),
            Queued::AfterWait { deadline, learnt } => (ReplyWait::new(rx, deadline), learnt),
        },
    };
    let mut one_off = pin!(None);
    let reply = poll_fn(|cx| wait.poll(cx, one_off.as_mut())).await;
    wait.done();
    match reply {
        Some(reply) => reply_outcome(reply, route.server(&learnt)),
        None => Err(CallError::Timeout(timeout)),
    }
}
/// The call and ping methods of a local reference (`ServerRef`, `NamedRef`), written once on
/// top of [`request`]; each reference gives their docs, in this order.
macro_rules! call_and_ping {
    (
        $(#[$call:meta])* call;
        $(#[$call_timeout:meta])* call_timeout;
        $(#[$ping:meta])* ping;
        $(#[$ping_timeout:meta])* ping_timeout;
    ) => {
        $(#[$call])*
        pub async fn call(&self, call: S::Call) -> Result<S::Reply, $crate::CallError> {
            self.call_timeout(call, $crate::request::DEFAULT_CALL_TIMEOUT).await
        }

        $(#[$call_timeout])*
        pub async fn call_timeout(
            &self,
            call: S::Call,
            timeout: std::time::Duration,
        ) -> Result<S::Reply, $crate::CallError> {
            let call = |reply| $crate::mailbox::Envelope::Call(call, reply);
            $crate::request::request(self, call, timeout).await
        }

        $(#[$ping])*
        pub async fn ping(&self) -> Result<(), $crate::CallError> {
            self.ping_timeout($crate::request::DEFAULT_CALL_TIMEOUT).await
        }

        $(#[$ping_timeout])*
        pub async fn ping_timeout(
            &self,
            timeout: std::time::Duration,
        ) -> Result<(), $crate::CallError> {
            $crate::request::request(self, $crate::mailbox::Envelope::Ping, timeout).await
        }
    };
}

pub(crate) use call_and_ping;
