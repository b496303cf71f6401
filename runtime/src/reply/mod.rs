//! Replies: where a reply goes and how its caller waits for it.
//!
//! - `slot`: the reply slot, the one-shot channel of every call and ping (and of a start waiting
//!   for `init`), kept by the calling thread for its next call.
//! - `wait`: waiting on a slot until a deadline, with the task's spare timer, and what the call
//!   returns once the wait is over.
//!
//! A call runs one way: a reference's API, the one request path (`crate::request`), then the
//! slot and the wait here; nothing here calls back into them.

mod slot;
mod wait;

#[cfg(test)]
pub(crate) use slot::spare_slot;
pub(crate) use slot::{SlotRx, SlotTx, reply_slot};
pub(crate) use wait::{NEVER, ReplyWait, deadline_after, reply_outcome};
