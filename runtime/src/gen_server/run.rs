//! A server's task: `init`, the message loop, `terminate`, and the guard that answers every
//! caller and records the exit however the task ends.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;

use crate::exit::drop_caught;
use crate::mailbox::{Envelope, Rx};
use crate::process::{Process, catch_unwind_pinned};
use crate::registry::Registry;
use crate::reply::SlotTx;
use crate::{ExitReason, GenServer, StartError};

use super::context::Context;

/// Owned by the server task. Whatever way the task ends — returning, or being dropped by an
/// abort — the guard unregisters the name, records the exit, and answers every waiting caller
/// (the call in flight and every reply given later included: the context is the guard's).
pub(super) struct Guard<S: GenServer> {
    pub(super) rx: Rx<S>,
    pub(super) process: Arc<Process>,
    pub(super) registry: Option<Registry>,
    pub(super) ctx: Context<S>,
}

impl<S: GenServer> Guard<S> {
    fn finish(&mut self, reason: ExitReason) {
        // Once is enough: the exit is recorded last, and only here.
        if !self.process.is_alive() {
            return;
        }
        // Unregister first, so that a lookup never returns this server once it is dead, and a
        // restart can take the name as soon as the exit is visible.
        if let Some(registry) = &self.registry {
            registry.unregister(&self.process);
        }
        if let Some(reply) = self.ctx.in_flight.take() {
            reply.send(Err(reason.clone()));
        }
        if let Some(toolkit) = &mut self.ctx.toolkit {
            if let Some(pending) = &toolkit.deferred {
                pending.close(&reason);
            }
            // Its monitors go with it: no target keeps news for a server that is gone.
            toolkit.monitors.clear();
        }
        self.rx.close_and_reject(&reason);
        log_exit(&self.process, &reason);
        self.process.set_exit(reason);
    }
}

/// A registered server's exit exactly as its task's guard runs it (unregister, answer what is
/// queued, record the exit), without the task, which loom cannot run: for the registry's loom
/// models.
#[cfg(all(test, loom))]
pub(crate) fn exit_registered<S: GenServer>(
    rx: Rx<S>,
    process: Arc<Process>,
    registry: &Registry,
    reason: ExitReason,
) {
    let myself = crate::ServerRef::new(rx.sender(), process.clone());
    Guard {
        rx,
        process,
        registry: Some(registry.clone()),
        ctx: Context::new(myself),
    }
    .finish(reason);
}

impl<S: GenServer> Drop for Guard<S> {
    fn drop(&mut self) {
        // Only reached without `finish` when the task was aborted (or the runtime dropped it).
        let reason = self.process.abort_reason();
        self.finish(reason);
    }
}

fn log_exit(process: &Process, reason: &ExitReason) {
    let name = process.name().map(|n| &**n).unwrap_or("");
    let id = process.id();
    // A supervisor that gave up has logged why, as ERROR, where it happened.
    if reason.is_abnormal() && !matches!(reason, ExitReason::Escalated(_)) {
        tracing::error!(server = name, %id, %reason, "server exited");
    } else {
        tracing::debug!(server = name, %id, %reason, "server exited");
    }
}

/// Where the task reports how `init` went: a reply slot, as for a call's reply (a supervisor
/// starting children one after another reuses one).
pub(super) type Started<S> = SlotTx<Result<(), StartError<S>>>;

/// The server's task. A plain function returning an `async move` block rather than an
/// `async fn`: the block keeps each argument once, where an `async fn` would keep both the
/// argument and its moved-into local (this future is the bulk of an idle server's task).
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would store its arguments twice"
)]
pub(super) fn run<S: GenServer>(
    mut guard: Guard<S>,
    args: S::Args,
    started: Started<S>,
) -> impl Future<Output = ()> + Send {
    async move {
        guard.process.set_task(tokio::task::id());
        let init = catch_unwind_pinned(pin!(S::init(args, &mut guard.ctx))).await;
        let mut state = match init {
            Ok(Ok(state)) => match guard.ctx.stop.take() {
                None => state,
                Some(reason) => {
                    // OTP's `{stop, Reason}` from init: no terminate, the start fails.
                    let (error, reason) = match drop_caught(state) {
                        Ok(()) => (StartError::InitStopped(reason.clone()), reason),
                        Err(panic) => (
                            StartError::InitPanicked(panic.clone()),
                            ExitReason::Panic(panic),
                        ),
                    };
                    return fail_start(guard, started, error, reason);
                }
            },
            Ok(Err(error)) if S::is_ignore(&error) => {
                // OTP's `ignore`: no server, and a start that succeeds.
                guard.process.set_ignored();
                guard.finish(ExitReason::Normal);
                started.send(Ok(Ok(())));
                return;
            }
            Ok(Err(error)) => {
                let reason = ExitReason::error(format!("init failed: {error}"));
                return fail_start(guard, started, StartError::Init(error), reason);
            }
            Err(panic) => {
                let error = StartError::InitPanicked(panic.clone());
                return fail_start(guard, started, error, ExitReason::Panic(panic));
            }
        };
        started.send(Ok(Ok(())));

        let reason = serve(&mut state, &mut guard).await;
        let terminated = catch_unwind_pinned(pin!(state.terminate(&reason))).await;
        let reason = match terminated {
            Ok(()) => reason,
            Err(panic) => ExitReason::Panic(panic),
        };
        // Answer the replies owed before the state goes: tokens kept in it are answered with
        // the exit reason, not dropped unanswered.
        if let Some(pending) = guard.ctx.toolkit.as_ref().and_then(|t| t.deferred.as_ref()) {
            pending.close(&reason);
        }
        // Drop the state before the exit is visible, so that what it holds (a port, a file
        // lock) is free when a restart begins. A panic in its drop is what ended the server
        // (unless `terminate` panicked first).
        let reason = match (drop_caught(state), reason) {
            (Err(panic), reason) if !matches!(reason, ExitReason::Panic(_)) => {
                ExitReason::Panic(panic)
            }
            (_, reason) => reason,
        };
        guard.finish(reason);
    }
}

fn fail_start<S: GenServer>(
    mut guard: Guard<S>,
    started: Started<S>,
    error: StartError<S>,
    reason: ExitReason,
) {
    guard.finish(reason);
    started.send(Ok(Err(error)));
}

/// The message loop. Returns the reason the server stops with.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would store its arguments twice"
)]
fn serve<'a, S: GenServer>(
    state: &'a mut S,
    guard: &'a mut Guard<S>,
) -> impl Future<Output = ExitReason> + Send + 'a {
    // An `async move` block rather than an `async fn`, for the reason given at `run`.
    async move {
        let ctx = &mut guard.ctx;
        loop {
            while let Some(cont) = ctx.cont.take() {
                let done = catch_unwind_pinned(pin!(state.handle_continue(cont, ctx))).await;
                if let Err(panic) = done {
                    return ExitReason::Panic(panic);
                }
                if let Some(reason) = ctx.stop.take() {
                    return reason;
                }
            }
            if let Some(reason) = guard.process.stop_request() {
                return reason;
            }
            // `ctx` holds a sender, so the mailbox never reports "all senders gone".
            let next = match ctx.toolkit.as_deref_mut() {
                None => guard.rx.recv().await,
                Some(toolkit) => toolkit.next(&mut guard.rx).await,
            };
            let Some(envelope) = next else {
                return ExitReason::Normal;
            };
            if let Some(reason) = guard.process.stop_request() {
                envelope.reject(&reason);
                return reason;
            }
            let outcome = match envelope {
                Envelope::Call(call, reply) => {
                    ctx.in_flight = Some(reply);
                    let replied = catch_unwind_pinned(pin!(state.handle_call(call, ctx))).await;
                    replied.map(|value| {
                        // Taken by `reply_later`: the token answers, and `value` is dropped.
                        if let Some(reply) = ctx.in_flight.take() {
                            reply.send(Ok(value));
                        }
                    })
                }
                Envelope::Cast(cast) => {
                    catch_unwind_pinned(pin!(state.handle_cast(cast, ctx))).await
                }
                Envelope::Info(info) => {
                    catch_unwind_pinned(pin!(state.handle_info(info, ctx))).await
                }
                Envelope::Ping(reply) => {
                    reply.send(Ok(()));
                    Ok(())
                }
                Envelope::Wake => Ok(()),
                Envelope::Down(down) => {
                    // Demonitored since it was sent: dropped, as with OTP's `flush`.
                    if ctx
                        .toolkit
                        .as_mut()
                        .is_some_and(|t| t.monitors.arrived(down.monitor))
                    {
                        catch_unwind_pinned(pin!(state.handle_down(*down, ctx))).await
                    } else {
                        Ok(())
                    }
                }
            };
            if let Err(panic) = outcome {
                return ExitReason::Panic(panic);
            }
            if let Some(reason) = ctx.stop.take() {
                return reason;
            }
        }
    }
}
