//! Replies given later: [`ReplyTo`], the right to answer one call, which a call handler takes
//! with [`Context::reply_later`](crate::Context::reply_later) instead of returning the reply
//! (OTP's `{noreply, State}` and `gen_server:reply(From, Reply)`).
//!
//! A call that is answered directly costs nothing here: its reply slot stays where it always
//! is, in the server's context, and is answered when the handler returns. Only a handler that
//! takes the token moves that slot (the same `SlotTx`, not a new channel) into the server's
//! table of outstanding replies ([`Pending`], made by the first deferred call), so that the
//! server's exit can answer every token still out with the exit reason. The token answers,
//! gives up, or is answered for by the exit — whichever comes first; the others find the slot
//! gone and do nothing.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::ExitReason;
use crate::process::Process;
use crate::reply::SlotTx;

/// The right to answer one call, taken by its handler to reply later.
///
/// Get one from [`Context::reply_later`](crate::Context::reply_later) (or
/// [`reply_later_with`](crate::Context::reply_later_with)) inside `handle_call`. It is `Send`
/// and `'static`: keep it in the server's state and answer from a later message, or move it
/// into a spawned task. The caller waits as for any call, within its own timeout.
///
/// - [`reply`](Self::reply) answers the caller, once (the token is consumed).
/// - Dropped without a reply, the token answers the caller at once with
///   [`CallError::NoReply`](crate::CallError::NoReply): a forgotten token never leaves a caller
///   hanging until its timeout.
/// - If the server exits first, the caller gets [`CallError::Exited`](crate::CallError::Exited)
///   with the exit reason, and a reply made afterwards is discarded. So is a reply to a caller
///   that gave up (timed out, or was cancelled).
///
/// ```
/// use std::convert::Infallible;
/// use perennial_runtime::{Context, GenServer, ReplyTo};
///
/// /// Hands out a value only once one has been put in: `take` waits without blocking the server.
/// struct Mailbox {
///     value: Option<String>,
///     waiting: Vec<ReplyTo<Option<String>>>,
/// }
///
/// enum Call { Take, Put(String) }
///
/// impl GenServer for Mailbox {
///     type Args = ();
///     type Call = Call;
///     type Reply = Option<String>;
///     type Cast = Infallible;
///     type Info = Infallible;
///     type Continue = Infallible;
///     type Error = Infallible;
///
///     async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> {
///         Ok(Mailbox { value: None, waiting: Vec::new() })
///     }
///
///     async fn handle_call(&mut self, call: Call, ctx: &mut Context<Self>) -> Option<String> {
///         match call {
///             Call::Take => match self.value.take() {
///                 Some(value) => Some(value),
///                 None => {
///                     // Keep the right to reply; what this handler returns is then dropped.
///                     self.waiting.extend(ctx.reply_later());
///                     None
///                 }
///             },
///             Call::Put(value) => {
///                 for waiter in self.waiting.drain(..) {
///                     waiter.reply(Some(value.clone()));
///                 }
///                 None
///             }
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mailbox = Mailbox::start(()).await?;
/// let taker = tokio::spawn({
///     let mailbox = mailbox.clone();
///     async move { mailbox.call(Call::Take).await }
/// });
/// tokio::task::yield_now().await; // let the take arrive first
/// mailbox.call(Call::Put("hello".into())).await?;
/// assert_eq!(taker.await??, Some("hello".to_string()));
/// # Ok(())
/// # }
/// ```
pub struct ReplyTo<T> {
    /// The server's table (behind the handler's reply type) and this call's place in it.
    answer: Option<(Arc<dyn Answer<T>>, usize)>,
}

impl<T> ReplyTo<T> {
    /// Answers the call with `value`. Discarded if the caller gave up or the server has exited.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::time::Duration;
    /// use perennial_runtime::{Context, GenServer};
    ///
    /// /// Answers `Slow` a second later, from a task of its own, and `Fast` meanwhile.
    /// struct Desk;
    ///
    /// enum Call { Slow, Fast }
    ///
    /// impl GenServer for Desk {
    ///     type Call = Call;
    ///     type Reply = &'static str;
    ///     # type Args = (); type Cast = Infallible; type Info = Infallible;
    ///     # type Continue = Infallible; type Error = Infallible;
    ///     # async fn init(_: (), _: &mut Context<Self>) -> Result<Self, Infallible> { Ok(Desk) }
    ///
    ///     async fn handle_call(&mut self, call: Call, ctx: &mut Context<Self>) -> &'static str {
    ///         match call {
    ///             Call::Fast => "fast",
    ///             Call::Slow => {
    ///                 if let Some(reply) = ctx.reply_later() {
    ///                     tokio::spawn(async move {
    ///                         tokio::time::sleep(Duration::from_secs(1)).await;
    ///                         reply.reply("slow");
    ///                     });
    ///                 }
    ///                 "" // dropped, not sent
    ///             }
    ///         }
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = Desk::start(()).await?;
    /// let slow = tokio::spawn({
    ///     let desk = desk.clone();
    ///     async move { desk.call(Call::Slow).await }
    /// });
    /// assert_eq!(desk.call(Call::Fast).await?, "fast");
    /// assert_eq!(slow.await??, "slow");
    /// # Ok(())
    /// # }
    /// ```
    pub fn reply(mut self, value: T) {
        if let Some((answer, index)) = self.answer.take() {
            answer.reply(index, value);
        }
    }
}

impl<T> Drop for ReplyTo<T> {
    fn drop(&mut self) {
        if let Some((answer, index)) = self.answer.take() {
            answer.unanswered(index);
        }
    }
}

impl<T> fmt::Debug for ReplyTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo")
            .field("reply", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}

/// What a token does with its slot, whatever the server's reply type.
trait Answer<T>: Send + Sync {
    fn reply(&self, index: usize, value: T);
    fn unanswered(&self, index: usize);
}

/// A server's table seen from one handler's reply type `T`, with how a `T` becomes the
/// server's reply: one per server and wrapping function, shared by all the tokens of that
/// handler (so that a token costs no allocation).
struct Bound<R, T> {
    pending: Arc<Pending<R>>,
    wrap: fn(T) -> R,
}

impl<R: Send + 'static, T: 'static> Answer<T> for Bound<R, T> {
    fn reply(&self, index: usize, value: T) {
        if let Some(tx) = self.pending.take(index) {
            tx.send(Ok((self.wrap)(value)));
        }
    }

    fn unanswered(&self, index: usize) {
        // Dropped because the server is going down (killed, or unwinding from a panic in its
        // own task): the exit answers it, with the reason, in a moment.
        let process = &self.pending.process;
        if process.is_killed() || (std::thread::panicking() && process.is_current_task()) {
            return;
        }
        if let Some(tx) = self.pending.take(index) {
            tx.unanswered();
        }
    }
}

/// A server's replies given later: the table of outstanding ones, and the views of it that
/// its tokens share (one per handler reply type and wrapping function).
pub(crate) struct Deferred<R> {
    pending: Arc<Pending<R>>,
    /// `(wrap as usize, Arc<dyn Answer<T>>)`; a handful at most (one per deferring handler).
    bound: Vec<(usize, Box<dyn Any + Send>)>,
}

impl<R: Send + 'static> Deferred<R> {
    pub(crate) fn new(process: Arc<Process>) -> Self {
        Deferred {
            pending: Arc::new(Pending::new(process)),
            bound: Vec::new(),
        }
    }

    /// The right to answer the call whose reply slot is `tx`.
    pub(crate) fn token<T: 'static>(&mut self, tx: SlotTx<R>, wrap: fn(T) -> R) -> ReplyTo<T> {
        let Some(index) = self.pending.file(tx) else {
            return ReplyTo { answer: None };
        };
        // The address only narrows the search: the downcast checks `T`, and two wrapping
        // functions at one address do the same thing.
        let key = wrap as usize;
        let found = self
            .bound
            .iter()
            .filter(|(k, _)| *k == key)
            .find_map(|(_, any)| any.downcast_ref::<Arc<dyn Answer<T>>>())
            .cloned();
        let answer = found.unwrap_or_else(|| {
            let answer: Arc<dyn Answer<T>> = Arc::new(Bound {
                pending: self.pending.clone(),
                wrap,
            });
            self.bound.push((key, Box::new(answer.clone())));
            answer
        });
        ReplyTo {
            answer: Some((answer, index)),
        }
    }

    /// Answers every token still out with the exit reason; later replies are discarded.
    pub(crate) fn close(&self, reason: &ExitReason) {
        self.pending.close(reason);
    }

    /// How many tokens are out.
    pub(crate) fn outstanding(&self) -> usize {
        self.pending.outstanding()
    }
}

/// A server's outstanding deferred replies: made by its first deferred call, closed (every one
/// answered with the exit reason) when it exits.
pub(crate) struct Pending<R> {
    state: Mutex<Table<R>>,
    /// The server's process: whether it is going down, when a token is dropped.
    process: Arc<Process>,
}

struct Table<R> {
    /// The slots of the tokens out; a token's index is its place here.
    slots: Vec<Option<SlotTx<R>>>,
    /// Places given back by answered tokens, for the next ones.
    free: Vec<usize>,
    /// Set when the server exits: later tokens are answered at once.
    exit: Option<ExitReason>,
}

impl<R: Send + 'static> Pending<R> {
    pub(crate) fn new(process: Arc<Process>) -> Self {
        Pending {
            process,
            state: Mutex::new(Table {
                slots: Vec::new(),
                free: Vec::new(),
                exit: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Table<R>> {
        // Nothing panics while holding the lock; recover the table if something ever did.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes a token of the call answered through `tx`.
    /// Files a call's reply slot; its place in the table, or `None` after the exit (which
    /// answered the slot with its reason).
    fn file(&self, tx: SlotTx<R>) -> Option<usize> {
        let mut table = self.lock();
        if let Some(reason) = &table.exit {
            // Not reached while the server runs; answered as its exit answers the others.
            let reason = reason.clone();
            drop(table);
            tx.send(Err(reason));
            return None;
        }
        let index = match table.free.pop() {
            Some(index) => {
                table.slots[index] = Some(tx);
                index
            }
            None => {
                table.slots.push(Some(tx));
                table.slots.len() - 1
            }
        };
        Some(index)
    }

    /// Takes a token's slot, if nothing has answered it yet.
    fn take(&self, index: usize) -> Option<SlotTx<R>> {
        let mut table = self.lock();
        let tx = table.slots.get_mut(index)?.take()?;
        table.free.push(index);
        Some(tx)
    }

    /// Answers every token still out with the server's exit `reason`.
    pub(crate) fn close(&self, reason: &ExitReason) {
        let mut table = self.lock();
        table.exit = Some(reason.clone());
        let slots = std::mem::take(&mut table.slots);
        table.free.clear();
        drop(table);
        // Outside the lock: answering wakes callers.
        for tx in slots.into_iter().flatten() {
            tx.send(Err(reason.clone()));
        }
    }

    /// How many tokens are out, unanswered.
    pub(crate) fn outstanding(&self) -> usize {
        let table = self.lock();
        table.slots.len() - table.free.len()
    }
}
