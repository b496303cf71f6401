//! Everything the code that `#[gen_server]` and `supervision_tree!` generate names, in one
//! place: the generated code reaches the runtime only through `perennial::__private` (this
//! module, re-exported by the facade with the facade's own additions). Not public API: it may
//! change in any release.
//!
//! Most of it re-exports public items under one flat name; what exists only for the generated
//! code lives here and nowhere else.

use std::future::Future;
use std::time::Duration;

pub use crate::bounds::{
    CallOrCastHandler, Checked, DynamicArgs, ErrorProbe, InfoHandler, InitArgs, InitResult,
    NoHandleContinueHandler, NoInfoHandler, Probe, Require, StartedChild, ViaAny, ViaAnyError,
    ViaError, ViaSend, fresh_args, task_function, task_future,
};
pub use crate::monitor::MonitorTarget;
pub use crate::supervisor::{
    AutoShutdown, Backoff, ChildHandle, ChildSpec, DEFAULT_MAX_RESTARTS, DEFAULT_WITHIN,
    DynamicSpec, DynamicSupervisor, HealthCheck, Restart, Shutdown, Strategy, SupervisorHandle,
    SupervisorSpec,
};
pub use crate::tree::{NotStarted, NotStartedClient, Starting, Tree, TreeSpec};
pub use crate::{
    CallError, CancellationToken, CastError, Client, Context, Down, ExitReason, GenServer,
    HasClient, InitError, Key, Monitorable, NamedRef, Registry, ServerRef, StartError,
};

/// Stands for an argument that `supervision_tree!` already reported as a mistake, so that the
/// rest of the tree still expands (for the IDE) without errors of its own. Never runs: the
/// macro's `compile_error!` stops the build.
pub fn placeholder<T>() -> T {
    unreachable!("supervision_tree! reported this argument as a compile error")
}

/// The typed client of the `S` server named `name` in `registry`, bound to the name so that it
/// follows the server across restarts.
pub fn client<S: HasClient>(registry: &Registry, name: &'static str) -> S::Client {
    S::Client::from(Client::from(registry.named::<S>(name)))
}

/// The options of a dynamic supervisor declared in a tree, applied by [`dynamic_spec`]: inside
/// a function whose bounds are checked once, so that a child type that can't be one is reported
/// once, at the type, rather than at each builder call.
#[derive(Default)]
pub struct DynamicOptions {
    pub max_children: Option<usize>,
    pub intensity: Option<(u32, Duration)>,
    pub restart: Option<Restart>,
    pub shutdown: Option<Shutdown>,
    pub health: Option<Option<HealthCheck>>,
    pub backoff: Option<Backoff>,
}

/// The spec of the dynamic supervisor `name` of `S` children, with `options`.
pub fn dynamic_spec<S>(name: &'static str, options: DynamicOptions) -> DynamicSpec<S>
where
    S: GenServer,
    S::Args: DynamicArgs,
{
    let mut spec = DynamicSpec::<S>::new(name);
    if let Some(max) = options.max_children {
        spec = spec.max_children(max);
    }
    if let Some((max_restarts, within)) = options.intensity {
        spec = spec.intensity(max_restarts, within);
    }
    if let Some(restart) = options.restart {
        spec = spec.restart(restart);
    }
    if let Some(shutdown) = options.shutdown {
        spec = spec.shutdown(shutdown);
    }
    if let Some(health) = options.health {
        spec = spec.health(health);
    }
    if let Some(backoff) = options.backoff {
        spec = spec.backoff(backoff);
    }
    spec
}

/// The child spec of a dynamic supervisor, for its parent.
pub fn dynamic_child<S>(spec: &DynamicSpec<S>) -> ChildSpec
where
    S: GenServer,
    S::Args: DynamicArgs,
{
    ChildSpec::supervisor(spec.supervisor_spec())
}

/// The typed handle of a started dynamic supervisor, from its name-bound `handle`.
pub fn dynamic_handle<S>(spec: &DynamicSpec<S>, handle: SupervisorHandle) -> DynamicSupervisor<S>
where
    S: GenServer,
    S::Args: DynamicArgs,
{
    spec.attach(handle)
}

/// The typed handle of a started dynamic supervisor of `S` children, from its name-bound
/// `handle` (the supervisor holds the options of the children it starts, so none are needed).
pub fn dynamic_attach<S>(handle: SupervisorHandle) -> DynamicSupervisor<S>
where
    S: GenServer,
    S::Args: DynamicArgs,
{
    DynamicSupervisor::from_handle(handle)
}

/// The typed key of the `S` server named `name`, as a tree declares it: through a function
/// whose bound a child type that is not a gen_server has already failed at the same span, so
/// that it is not reported twice.
pub const fn key<S: HasClient>(name: &'static str) -> Key<S> {
    Key::new(name)
}

/// A call through `client` with its reply mapped by `reply`, in the call's own future (no
/// future of its own around it): what a `#[gen_server]` client's call method returns.
#[inline]
pub fn call_map<'a, S: GenServer, T: 'a>(
    client: &'a Client<S>,
    call: S::Call,
    reply: fn(S::Reply) -> T,
) -> impl Future<Output = Result<T, CallError>> + 'a {
    client.call_map(call, reply)
}
