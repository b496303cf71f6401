//! The typed AST of `supervision_tree!`.
//!
//! It keeps the user's tokens wherever a later stage may need to point at them: every name is
//! the user's `Ident`, child types and task functions are the user's `Path`/`Expr`, init
//! arguments are the user's expressions, and every option is a [`Setting`] holding its key, its
//! value (a literal of the DSL or a Rust expression: [`Given`]) and the span of its value. An option left out is `None`; its default is the runtime's (see the
//! option table in `mod.rs`), except where a check needs it ([`ChildOptions::restart_or_default`]).

use proc_macro2::Span;
use syn::{Attribute, Expr, Ident, Path, Type, Visibility};

pub(crate) use super::options::duration::Duration;

/// The whole tree: an optional header naming its type, and one root supervisor.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    pub header: Option<Header>,
    pub name: Ident,
    pub root: Supervisor,
}

/// `#[attrs] pub struct App(cache_size: usize, url: String);` before the tree: the item form,
/// which names the tree's type and the parameters its args may use.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// Outer attributes (doc comments included), put on the generated struct.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    /// The type's name.
    pub ident: Ident,
    /// Values passed to `App::start(..)`, in order; the init arguments may use them.
    pub params: Vec<Param>,
}

/// One parameter of the header: `name: Type`.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub name: Ident,
    pub ty: Type,
}

/// A named child of a supervisor: `name: kind`.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub name: Ident,
    pub kind: NodeKind,
}

#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "built once per macro call; boxing would only add noise"
)]
pub(crate) enum NodeKind {
    /// `cache: Cache(1024) { .. }`
    Server(Server),
    /// `metrics: task(metrics_loop, port) { .. }`
    Task(Task),
    /// `db: supervisor(..) { children }`
    Supervisor(Supervisor),
    /// `jobs: dynamic_supervisor<Job>(.., children = { .. })`
    Dynamic(DynamicSupervisor),
}

/// A gen_server child: `Type(init args) { options }`.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    /// The server's type as written, e.g. `Cache` or `caches::Lru<String>`.
    pub ty: Path,
    pub args: Vec<InitArg>,
    /// The span of the `( .. )` around the arguments, or of the type when they are left out.
    pub args_span: Span,
    pub child: ChildOptions,
    pub health: Option<Setting<Health>>,
    /// `groups = [a, b]`: the process groups it joins at every (re)start.
    pub groups: Option<Setting<Vec<Ident>>>,
}

/// A task child: `task(function, args) { options }`. The function is an expression (a path to
/// an `async fn`, or a closure) called with the arguments at each (re)start.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub function: Expr,
    pub args: Vec<InitArg>,
    pub child: ChildOptions,
}

/// A static supervisor: `supervisor(options) { children }`.
#[derive(Debug, Clone)]
pub(crate) struct Supervisor {
    /// The `supervisor` keyword.
    pub keyword: Span,
    pub strategy: Option<Setting<Strategy>>,
    pub limits: RestartLimits,
    /// When it shuts itself down because its significant children ended.
    pub auto_shutdown: Option<Setting<AutoShutdown>>,
    /// `crate = path`: the path of the `perennial` crate (the root only).
    pub krate: Option<Setting<Path>>,
    /// How its own parent treats it; always empty on the root (checked by validation).
    pub child: ChildOptions,
    /// In declaration order, which is start order.
    pub children: Vec<Node>,
    /// A `{ .. }` written after the children (`supervisor { .. } { restart = .. }`): a mistake,
    /// reported by validation.
    pub options_after: Option<proc_macro2::Group>,
}

/// A dynamic supervisor: `dynamic_supervisor<Child>(options, children = { options of its children })`.
#[derive(Debug, Clone)]
pub(crate) struct DynamicSupervisor {
    /// The gen_server type of the children it starts at run time.
    pub child_ty: Type,
    pub max_children: Option<Setting<u64>>,
    pub limits: RestartLimits,
    /// How its own parent treats it.
    pub child: ChildOptions,
    /// How it treats the children it starts.
    pub children: ChildOptions,
    pub children_health: Option<Setting<Health>>,
}

/// An option as written: its key (for "given twice" and for messages), its value, and the span
/// of the value (for messages and `quote_spanned!`).
#[derive(Debug, Clone)]
pub(crate) struct Setting<T> {
    pub key: Ident,
    pub value: Given<T>,
    pub span: Span,
}

impl<T> Setting<T> {
    /// The value, when it is written in the DSL (checked at compile time); `None` for a Rust
    /// expression, whose value is only known at run time.
    pub(crate) fn lit(&self) -> Option<&T> {
        match &self.value {
            Given::Lit(value) => Some(value),
            Given::Expr(_) => None,
        }
    }
}

/// The words of an option whose values are words, each with the value it reads as and the
/// runtime's variant it expands to (`one_for_all`, `Strategy::OneForAll`, `OneForAll`).
pub(crate) struct Words<T: 'static> {
    /// The option's key.
    pub key: &'static str,
    /// What a value is called in messages: "unknown {what} `..`".
    pub what: &'static str,
    /// The runtime's type, in `perennial::supervisor` (for a variable of it, in messages).
    pub ty: &'static str,
    pub words: &'static [(&'static str, T, &'static str)],
}

/// An option's value: a literal of the DSL (`one_for_all`, `5s`, `3`, `{ interval = 30s }`),
/// read and checked at compile time, or a Rust expression of the option's runtime type
/// (`cfg.window`, `Duration::from_secs(n)`, `(strategy)`), type-checked at the expression and
/// checked by the runtime when the tree starts.
#[derive(Debug, Clone)]
pub(crate) enum Given<T> {
    Lit(T),
    Expr(Box<Expr>),
}

/// Restart intensity of a supervisor: at most `max_restarts` in any window of `within`.
#[derive(Debug, Clone, Default)]
pub(crate) struct RestartLimits {
    pub max_restarts: Option<Setting<u64>>,
    pub within: Option<Setting<Duration>>,
}

/// How a supervisor treats one child.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChildOptions {
    pub restart: Option<Setting<Restart>>,
    pub shutdown: Option<Setting<Shutdown>>,
    pub backoff: Option<Setting<Backoff>>,
    /// `significant = true`: its ending by itself counts towards its supervisor's
    /// `auto_shutdown`.
    pub significant: Option<Setting<bool>>,
    /// `scope = global`: it runs on one node of a cluster at a time (a gen_server or task
    /// child of the root only; checked by validation).
    pub scope: Option<Setting<Scope>>,
    /// `export = true | false`: whether a global gen_server child serves its subject so that
    /// other nodes can call it (unset: exported when its server is `#[gen_server(remote)]`).
    pub export: Option<Setting<bool>>,
}

impl ChildOptions {
    /// `true` when `scope = global` is written.
    pub(crate) fn is_global(&self) -> bool {
        self.scope
            .as_ref()
            .and_then(Setting::lit)
            .is_some_and(|scope| *scope == Scope::Global)
    }

    /// The restart type, `permanent` when not given (OTP's default, for every kind of child);
    /// `None` when it is an expression, known only at run time.
    pub(crate) fn restart_or_default(&self) -> Option<Restart> {
        match &self.restart {
            None => Some(Restart::Permanent),
            Some(setting) => setting.lit().copied(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    OneForOne,
    OneForAll,
    RestForOne,
}

/// OTP 24's `auto_shutdown` of a supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AutoShutdown {
    Never,
    AnySignificant,
    AllSignificant,
}

/// Where a child runs: on this node (`local`, the default), or on one node of the cluster at a
/// time (`global`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Local,
    Global,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Restart {
    Permanent,
    Transient,
    Temporary,
}

impl Restart {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Restart::Permanent => "permanent",
            Restart::Transient => "transient",
            Restart::Temporary => "temporary",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shutdown {
    BrutalKill,
    Infinity,
    Timeout(Duration),
}

/// `health = off | on | { interval, timeout, failures }`.
#[derive(Debug, Clone)]
pub(crate) enum Health {
    Off,
    On(HealthCheck),
}

/// Health check settings; `None` fields take the runtime's defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct HealthCheck {
    pub interval: Option<Setting<Duration>>,
    pub timeout: Option<Setting<Duration>>,
    pub failures: Option<Setting<u64>>,
}

/// `backoff = off | on | { initial, factor, max }`.
#[derive(Debug, Clone)]
pub(crate) enum Backoff {
    Off,
    On(BackoffPolicy),
}

/// Delay between restart attempts: `initial`, multiplied by `factor` each time, up to `max`.
#[derive(Debug, Clone, Default)]
pub(crate) struct BackoffPolicy {
    pub initial: Option<Setting<Duration>>,
    pub factor: Option<Setting<f64>>,
    pub max: Option<Setting<Duration>>,
}

/// An init argument of a gen_server or a task.
#[derive(Debug, Clone)]
pub(crate) enum InitArg {
    /// An ordinary expression, evaluated where the macro is called (it may use local variables).
    Expr(Expr),
    /// A bare identifier naming an earlier sibling: that sibling's typed client.
    Sibling(SiblingRef),
}

/// A reference to an earlier sibling.
#[derive(Debug, Clone)]
pub(crate) struct SiblingRef {
    /// The argument as written (its span is the argument's).
    pub name: Ident,
    /// The sibling's position among its parent's children.
    pub index: usize,
}

impl NodeKind {
    /// "a gen_server child", "a task child", ... for messages.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            NodeKind::Server(_) => "a gen_server child",
            NodeKind::Task(_) => "a task child",
            NodeKind::Supervisor(_) => "a supervisor",
            NodeKind::Dynamic(_) => "a dynamic_supervisor",
        }
    }

    /// How its parent treats it.
    pub(crate) fn child_options(&self) -> &ChildOptions {
        match self {
            NodeKind::Server(server) => &server.child,
            NodeKind::Task(task) => &task.child,
            NodeKind::Supervisor(supervisor) => &supervisor.child,
            NodeKind::Dynamic(dynamic) => &dynamic.child,
        }
    }

    /// Its init arguments (none for supervisors).
    pub(crate) fn args(&self) -> &[InitArg] {
        match self {
            NodeKind::Server(server) => &server.args,
            NodeKind::Task(task) => &task.args,
            NodeKind::Supervisor(_) | NodeKind::Dynamic(_) => &[],
        }
    }

    pub(crate) fn args_mut(&mut self) -> &mut [InitArg] {
        match self {
            NodeKind::Server(server) => &mut server.args,
            NodeKind::Task(task) => &mut task.args,
            NodeKind::Supervisor(_) | NodeKind::Dynamic(_) => &mut [],
        }
    }
}

/// The identifier of an expression that is nothing but one identifier (`pool`, not `pool.clone()`,
/// `(pool)`, `self::pool` or `{ pool }`): the only form that names a sibling.
pub(crate) fn bare_ident(expr: &Expr) -> Option<&Ident> {
    match expr {
        Expr::Path(path) if path.attrs.is_empty() && path.qself.is_none() => path.path.get_ident(),
        _ => None,
    }
}
