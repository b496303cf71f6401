//! Every rule the parsed AST must follow before it can be expanded, each broken rule reported
//! at the user's offending token with what is wrong and what to write instead.
//!
//! What the macro cannot see (whether a type is `Send`, whether `init`'s error type is an
//! `Error`) is left to the type checker; `expand` arranges for those errors to land on the
//! user's types too.

use quote::ToTokens;
use syn::{GenericParam, Ident, Pat, Receiver, ReceiverKind, Type};

use super::ast::{
    Borrow, Callback, ContextShape, Handler, InitOutput, Kind, Param, ReplyShape, START_CLIENT,
    Server, client_builtin, context_shape, find_borrow, is_unit, param_ident, reply_shape,
};
use crate::errors::Errors;
use crate::suggest::near_by_edits;
use crate::text::type_name;

/// Checks the whole server, reporting every broken rule, in the order of the source.
pub(crate) fn validate(server: &Server, errors: &mut Errors) {
    let ctx = Ctx {
        server_name: type_name(&server.item.self_ty),
        client_name: client_name(server),
    };
    check_impl(server, errors);
    check_client_name(server, errors);
    if server.init.is_none() {
        missing_init(server, &ctx, errors);
    }
    check_unmarked(server, errors);

    enum Item<'a> {
        Init(&'a Callback),
        Terminate(&'a Callback),
        Handler(&'a Handler),
        Name(&'a Ident),
    }
    let mut items: Vec<(usize, Item)> = Vec::new();
    items.extend(server.init.iter().map(|f| (f.position, Item::Init(f))));
    items.extend(
        server
            .terminate
            .iter()
            .map(|f| (f.position, Item::Terminate(f))),
    );
    items.extend(
        server
            .handlers
            .iter()
            .map(|h| (h.func.position, Item::Handler(h))),
    );
    items.extend(
        server
            .fn_names
            .iter()
            .map(|(p, name)| (*p, Item::Name(name))),
    );
    items.sort_by_key(|(position, _)| *position);

    let mut first_of_kind: Vec<&Handler> = Vec::new();
    for (_, item) in items {
        match item {
            Item::Init(init) => check_init(init, server.init_output.as_ref(), &ctx, errors),
            Item::Terminate(terminate) => check_terminate(terminate, errors),
            Item::Handler(handler) => {
                check_handler(handler.kind, &handler.func, &ctx, errors);
                if let Some(first) = first_of_kind.iter().find(|h| h.kind == handler.kind)
                    && !handler.kind.on_client()
                {
                    second_single(first, handler, errors);
                } else {
                    first_of_kind.push(handler);
                }
            }
            Item::Name(name) => check_fn_name(name, &ctx, errors),
        }
    }
}

/// No `init`: reported at the method that was most likely meant to be it (a near miss of the
/// name, or a function building the state), else at the server's type.
fn missing_init(server: &Server, ctx: &Ctx, errors: &mut Errors) {
    if let Some(f) = server.init_candidate() {
        let name = f.ident();
        errors.spanned(
            name,
            format_args!(
                "gen_server `{server}` has no `init`, and `{name}` looks like it; did you mean \
                 `init`? #[gen_server] finds `init` by its name: rename `{name}` to `init`",
                server = ctx.server_name
            ),
        );
        return;
    }
    errors.spanned(
        &server.item.self_ty,
        format_args!(
            "gen_server `{name}` has no `init`: add `async fn init(args) -> Result<Self, E>` \
             (or `-> Self` when it cannot fail) to this impl block; it builds the state when \
             the server starts. A server has one #[gen_server] impl block: if `{name}` has \
             another, move these methods into it",
            name = ctx.server_name
        ),
    );
}

/// The rule for unmarked methods: `init` and `terminate` are found by their names, handlers by
/// their attribute. An unmarked method named like a handler callback (`handle_info`), or like
/// `terminate` when there is none (`on_terminate`, `terminated`, kameo's `on_stop`), was meant
/// to be called by the server and would silently never be: it is refused, with what to write.
fn check_unmarked(server: &Server, errors: &mut Errors) {
    for f in &server.unmarked {
        let name = f.ident();
        let given = name.to_string();
        if f.receiver().is_none() {
            continue;
        }
        if let Some((callback, attr)) = handler_callback(&given) {
            let exact = *callback == given;
            errors.spanned(
                name,
                format_args!(
                    "{what}: #[gen_server] finds handlers by their attribute, not by their name; \
                     mark this method `#[{attr}]` (any name works){rest}",
                    what = if exact {
                        format!("`{given}` is not called by the server as it is")
                    } else {
                        format!("`{given}` looks like the `{callback}` callback, which is not found by name")
                    },
                    rest = ", or, if it is a helper, move it to a separate `impl` block",
                ),
            );
            continue;
        }
        if server.terminate.is_none() && terminate_alias(&given) && f.output().is_none_or(is_unit) {
            errors.spanned(
                name,
                format_args!(
                    "`{given}` is not called when the server stops; did you mean `terminate`? \
                     #[gen_server] finds `terminate` by its name: rename `{given}` to \
                     `terminate` (`async fn terminate(&mut self, reason: &ExitReason)`), or, if it \
                     is a helper, move it to a separate `impl` block"
                ),
            );
        }
    }
}

/// The handler callbacks of OTP and of the runtime's `GenServer` trait, and the attribute that
/// marks each in a #[gen_server] block.
const HANDLER_CALLBACKS: &[(&str, &str)] = &[
    ("handle_call", "call"),
    ("handle_cast", "cast"),
    ("handle_info", "info"),
    ("handle_continue", "handle_continue"),
    ("handle_down", "down"),
];

/// The handler callback `name` is, or is a near miss of (`handle_infos`, ractor's `handle`).
fn handler_callback(name: &str) -> Option<(&'static str, &'static str)> {
    if let Some(found) = HANDLER_CALLBACKS.iter().find(|(c, _)| *c == name) {
        return Some(*found);
    }
    if matches!(name, "handle" | "handle_message" | "handle_msg") {
        return Some(HANDLER_CALLBACKS[0]);
    }
    // Compare what follows `handle_`: `handle_cancel` is no near miss of `handle_cast`. A typo
    // in `handle` itself (`handel_cast`, `hande_info`) counts when the rest is a callback's.
    let rest = match name.strip_prefix("handle_") {
        Some(rest) => rest,
        None => {
            let (head, rest) = name.split_once('_')?;
            near_by_edits(head, &["handle"])?;
            rest
        }
    };
    let suffixes: Vec<&str> = HANDLER_CALLBACKS
        .iter()
        .filter_map(|(c, _)| c.strip_prefix("handle_"))
        .collect();
    let near = near_by_edits(rest, &suffixes)?;
    HANDLER_CALLBACKS
        .iter()
        .find(|(c, _)| c.strip_prefix("handle_") == Some(near))
        .copied()
}

/// Near misses of `terminate`, and the words other actor libraries use for it.
fn terminate_alias(name: &str) -> bool {
    const ALIASES: &[&str] = &[
        "on_terminate",
        "on_stop",
        "post_stop",
        "on_shutdown",
        "on_exit",
        "stopped",
        "terminated",
        "terminating",
        "on_terminated",
    ];
    ALIASES.contains(&name) || near_by_edits(name, &["terminate"]).is_some()
}

/// The client named like the server type: the two would clash.
fn check_client_name(server: &Server, errors: &mut Errors) {
    let Some(client) = &server.options.client else {
        return;
    };
    if *client == last_ident_name(&server.item.self_ty) {
        errors.spanned(
            client,
            format_args!(
                "the client cannot be named `{client}`: that is the server's own type; choose \
                 another name, such as `{client}Client` (the default, when `client` is left out) \
                 or `{client}Handle`"
            ),
        );
    }
}

/// A method named like the associated function generated on the server type.
fn check_fn_name(name: &Ident, ctx: &Ctx, errors: &mut Errors) {
    if name == START_CLIENT {
        errors.spanned(
            name,
            format_args!(
                "`{START_CLIENT}` is generated on `{server}` (it starts a server and returns \
                 its `{client}`); rename this method",
                server = ctx.server_name,
                client = ctx.client_name,
            ),
        );
    }
}

/// A call or cast handler named like a method the generated client has of its own.
fn check_client_method_name(name: &Ident, kind: Kind, ctx: &Ctx, errors: &mut Errors) {
    let given = name.to_string();
    if let Some(what) = client_builtin(&given) {
        errors.spanned(
            name,
            format_args!(
                "`{given}` is a built-in method of the generated `{client}` ({what}); rename \
                 this #[{attr}] handler, whose name the client's method takes",
                client = ctx.client_name,
                attr = kind.attr_name(),
            ),
        );
    }
}

/// A second `#[info]`, `#[handle_continue]` or `#[down]` handler.
fn second_single(first: &Handler, extra: &Handler, errors: &mut Errors) {
    let kind = extra.kind;
    if kind == Kind::Down {
        errors.spanned(
            &extra.marker,
            format_args!(
                "`{extra}` is a second #[down] handler, after `{first}`; a server has one: tell \
                 the monitors apart there, by `down.monitor` (what `ctx.monitor` returned) or \
                 `down.name`",
                extra = extra.func.ident(),
                first = first.func.ident(),
            ),
        );
        return;
    }
    errors.spanned(
        &extra.marker,
        format_args!(
            "`{extra}` is a second #[{attr}] handler, after `{first}`; a server has one {what} \
             type, so one #[{attr}] handler: take an enum and match on it there",
            extra = extra.func.ident(),
            first = first.func.ident(),
            attr = kind.attr_name(),
            what = match kind {
                Kind::Info => "info",
                Kind::Down => "down message",
                _ => "continue",
            },
        ),
    );
}

/// Names used in messages.
struct Ctx {
    server_name: String,
    client_name: String,
}

/// The generated client's name: the option, or `<Type>Client`.
pub(crate) fn client_name(server: &Server) -> String {
    match &server.options.client {
        Some(ident) => ident.to_string(),
        None => format!("{}Client", last_ident_name(&server.item.self_ty)),
    }
}

fn last_ident_name(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn check_impl(server: &Server, errors: &mut Errors) {
    let item = &server.item;
    if let Some(unsafety) = &item.unsafety {
        errors.spanned(
            unsafety,
            "a gen_server impl cannot be `unsafe`: remove `unsafe`",
        );
    }
    let mut lifetimes = Vec::new();
    let mut others = Vec::new();
    for param in &item.generics.params {
        match param {
            GenericParam::Lifetime(l) => lifetimes.push(l),
            other => others.push(other),
        }
    }
    for l in lifetimes {
        errors.spanned(
            l,
            format_args!(
                "a gen_server's state moves into its own task and must be `'static`, so it \
                 cannot borrow for `{}`: own the data (`String`, `Vec<T>`, `Arc<T>`) instead",
                l.lifetime
            ),
        );
    }
    if !others.is_empty() || item.generics.where_clause.is_some() {
        let tokens = if others.is_empty() {
            item.generics.where_clause.to_token_stream()
        } else {
            item.generics.to_token_stream()
        };
        errors.spanned(
            tokens,
            format_args!(
                "#[gen_server] does not support generic servers: the message types it generates \
                 need concrete types. Put it on an impl of a concrete type (a wrapper such as \
                 `struct IntStore(Store<i64>);`), or implement `GenServer` for `{}` by hand",
                type_name(&item.self_ty)
            ),
        );
    }
    let named = matches!(&*item.self_ty, Type::Path(p) if p.qself.is_none());
    if !named {
        errors.spanned(
            &item.self_ty,
            "#[gen_server] needs a named type for the server's state (a struct or an enum of \
             this crate), such as `impl Counter { ... }`",
        );
    }
}

/// Where a callback's parameters end up, for messages.
#[derive(Clone, Copy)]
enum Role {
    Init,
    Handler(Kind),
}

fn check_init(
    init: &Callback,
    output: Option<&syn::Result<InitOutput>>,
    ctx: &Ctx,
    errors: &mut Errors,
) {
    if let Some(receiver) = init.receiver() {
        errors.spanned(
            receiver,
            "`init` builds the state, so it takes no `self`: write \
             `async fn init(args) -> Result<Self, E>`",
        );
    }
    check_modifiers(init, "init", errors);
    check_params(init, Role::Init, ctx, errors);
    match output {
        None => errors.spanned(
            &init.sig,
            "`init` must return the new state: `-> Self`, or `-> Result<Self, E>` when it can \
             fail",
        ),
        Some(Err(e)) => errors.push(e.clone()),
        Some(Ok(_)) => {}
    }
}

fn check_terminate(terminate: &Callback, errors: &mut Errors) {
    const SHAPE: &str = "`async fn terminate(&mut self, reason: &ExitReason)`";
    match terminate.receiver() {
        None => errors.spanned(
            &terminate.sig.ident,
            format_args!("`terminate` runs on the state as the server stops: write {SHAPE}"),
        ),
        Some(receiver) => check_receiver(receiver, "`terminate`", errors),
    }
    check_modifiers(terminate, "terminate", errors);
    for (i, param) in terminate.params().enumerate() {
        match param {
            Param::Context(pt) => errors.spanned(
                pt,
                format_args!(
                    "`terminate` has no context to take: the server is stopping; write {SHAPE}"
                ),
            ),
            Param::Reply(pt) => errors.spanned(
                &pt.ty,
                format_args!(
                    "`terminate` answers no call, so it has no reply token to take: write {SHAPE}"
                ),
            ),
            Param::Message(pt) if i > 0 => errors.spanned(
                pt,
                format_args!("`terminate` takes at most the exit reason: write {SHAPE}"),
            ),
            Param::Message(pt) => check_reason(&pt.ty, errors),
        }
    }
    if let Some(ty) = terminate.output().filter(|t| !is_unit(t)) {
        errors.spanned(
            ty,
            format_args!("`terminate` returns nothing: write {SHAPE}"),
        );
    }
}

/// `terminate`'s argument: the exit reason, lent by the runtime.
fn check_reason(ty: &Type, errors: &mut Errors) {
    let names_reason = |ty: &Type| match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "ExitReason"),
        _ => false,
    };
    match ty {
        Type::Reference(r) if r.mutability.is_none() && names_reason(&r.elem) => {}
        Type::Reference(r) if names_reason(&r.elem) => errors.spanned(
            ty,
            "`terminate` reads the exit reason, it cannot change it: take `reason: &ExitReason`",
        ),
        _ if names_reason(ty) => errors.spanned(
            ty,
            "`terminate` borrows the exit reason, which the runtime keeps to report the exit: \
             take `reason: &ExitReason` (and `reason.clone()` to keep a copy)",
        ),
        _ => errors.spanned(
            ty,
            format_args!(
                "`terminate`'s one argument is the exit reason, a `&ExitReason`, not `{}`: take \
                 `reason: &ExitReason`, or no argument",
                type_name(ty)
            ),
        ),
    }
}

fn check_handler(kind: Kind, func: &Callback, ctx: &Ctx, errors: &mut Errors) {
    let name = func.ident();
    let attr = kind.attr_name();
    match func.receiver() {
        None => errors.spanned(
            &func.sig.ident,
            format_args!(
                "the #[{attr}] handler `{name}` needs `&mut self` (or `&self`) as its first \
                 argument: handlers run on the server's state"
            ),
        ),
        Some(receiver) => {
            check_receiver(receiver, &format!("the #[{attr}] handler `{name}`"), errors)
        }
    }
    check_modifiers(func, &format!("the #[{attr}] handler `{name}`"), errors);
    check_params(func, Role::Handler(kind), ctx, errors);
    if kind.on_client() {
        check_client_method_name(name, kind, ctx, errors);
    }
    let later = func.reply_token().is_some();
    match (kind, func.output()) {
        (Kind::Call, Some(ty)) if later && !is_unit(ty) => errors.spanned(
            ty,
            format_args!(
                "the #[call] handler `{name}` replies later, through its `ReplyTo<..>`, so it \
                 returns nothing: remove `-> {}` (the caller gets what is given to `reply`), or \
                 remove the `ReplyTo` argument to reply by returning",
                type_name(ty)
            ),
        ),
        (Kind::Call, Some(ty)) => check_owned(ty, Use::Reply, errors),
        (_, Some(ty)) if !is_unit(ty) => errors.spanned(
            ty,
            match kind {
                Kind::Cast => format!(
                    "a #[cast] sends no reply, so `{name}` cannot return `{}`: remove the return \
                     type, or make it a #[call] to send the value back",
                    type_name(ty)
                ),
                _ => format!(
                    "nobody waits for the result of the #[{attr}] handler `{name}`, so it cannot \
                     return `{}`: remove the return type",
                    type_name(ty)
                ),
            },
        ),
        _ => {}
    }
    if kind == Kind::Down {
        check_down(func, errors);
    }
    if matches!(kind, Kind::Info | Kind::Continue) {
        for extra in func.message_params().skip(1) {
            errors.spanned(
                extra,
                format_args!(
                    "the #[{attr}] handler `{name}` takes its message as one argument: bundle \
                     the arguments into one type (a struct, an enum or a tuple)"
                ),
            );
        }
    }
}

/// A `#[down]` handler takes the news, `down: Down`, and the context if it likes.
fn check_down(func: &Callback, errors: &mut Errors) {
    let name = func.ident();
    const SHAPE: &str = "`fn on_down(&mut self, down: Down)` (the context may be taken too)";
    let mut params = func.message_params();
    match params.next() {
        None => errors.spanned(
            &func.sig,
            format_args!(
                "the #[down] handler `{name}` takes the news of the process that is down: write \
                 {SHAPE}"
            ),
        ),
        Some(pt) if !is_down(&pt.ty) => errors.spanned(
            &pt.ty,
            format_args!(
                "a #[down] handler takes the runtime's `Down` (which monitor, which process, \
                 why), not `{}`: write {SHAPE}",
                type_name(&pt.ty)
            ),
        ),
        Some(_) => {}
    }
    for extra in params {
        errors.spanned(
            extra,
            format_args!("the #[down] handler `{name}` takes only the news: write {SHAPE}"),
        );
    }
}

/// `Down`, or a path ending in it (`perennial::Down`), by value.
fn is_down(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => {
            p.qself.is_none()
                && p.path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Down" && s.arguments.is_none())
        }
        Type::Group(g) => is_down(&g.elem),
        Type::Paren(p) => is_down(&p.elem),
        _ => false,
    }
}

fn check_receiver(receiver: &Receiver, who: &str, errors: &mut Errors) {
    match &receiver.kind {
        ReceiverKind::Reference(..) => {}
        ReceiverKind::Typed(_, ty) if is_ref_to_self(ty) => {}
        ReceiverKind::Typed(_, ty) => errors.spanned(
            ty,
            format_args!(
                "{who} takes `self: {}`, but the state stays in the server: take `&mut self` or \
                 `&self`",
                type_name(ty)
            ),
        ),
        _ => errors.spanned(
            receiver,
            format_args!(
                "{who} takes `self` by value, which would consume the server's state: take \
                 `&mut self` (or `&self`)"
            ),
        ),
    }
}

fn is_ref_to_self(ty: &Type) -> bool {
    matches!(ty, Type::Reference(r) if matches!(&*r.elem, Type::Path(p) if p.path.is_ident("Self")))
}

/// `unsafe`, `extern` and generic parameters.
fn check_modifiers(func: &Callback, who: &str, errors: &mut Errors) {
    let sig = &func.sig;
    if let syn::Safety::Unsafe(token) = &sig.safety {
        errors.spanned(
            token,
            format_args!("{who} cannot be `unsafe`: remove `unsafe`"),
        );
    }
    if let Some(abi) = &sig.abi {
        errors.spanned(
            abi,
            format_args!("{who} cannot be `extern`: remove the ABI"),
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        let tokens = if sig.generics.params.is_empty() {
            sig.generics.where_clause.to_token_stream()
        } else {
            sig.generics.to_token_stream()
        };
        errors.spanned(
            tokens,
            format_args!(
                "{who} cannot be generic: its arguments travel in a message type, which needs \
                 concrete types"
            ),
        );
    }
}

fn check_params(func: &Callback, role: Role, ctx: &Ctx, errors: &mut Errors) {
    let name = func.ident();
    let mut seen_context = false;
    let mut seen_reply = false;
    for param in func.params() {
        match param {
            Param::Reply(pt) => {
                if !matches!(role, Role::Handler(Kind::Call)) {
                    let who = match role {
                        Role::Init => "`init`".to_string(),
                        Role::Handler(kind) => {
                            format!("the #[{}] handler `{name}`", kind.attr_name())
                        }
                    };
                    errors.spanned(
                        &pt.ty,
                        format_args!(
                            "{who} answers no call, so it has no reply token to take: only a \
                             #[call] handler can take `ReplyTo<..>`, to reply later"
                        ),
                    );
                } else if std::mem::replace(&mut seen_reply, true) {
                    errors.spanned(
                        pt,
                        format_args!(
                            "`{name}` takes a reply token twice, but a call is answered once; \
                             keep one"
                        ),
                    );
                } else {
                    check_reply_token(&pt.ty, errors);
                }
            }
            Param::Context(pt) => {
                if std::mem::replace(&mut seen_context, true) {
                    errors.spanned(
                        pt,
                        format_args!("`{name}` takes the context twice; keep one"),
                    );
                } else {
                    check_context(&pt.ty, errors);
                }
            }
            Param::Message(pt) => {
                if param_ident(pt).is_none() {
                    errors.spanned(&pt.pat, pattern_message(&pt.pat, func, role, ctx));
                }
                check_owned(&pt.ty, Use::Message, errors);
            }
        }
    }
}

/// A reply token is taken by value, with the type the caller gets: `reply: ReplyTo<T>`.
fn check_reply_token(ty: &Type, errors: &mut Errors) {
    match reply_shape(ty) {
        Some(ReplyShape::Token(reply)) => check_owned(reply, Use::Reply, errors),
        None => {}
        Some(ReplyShape::Borrowed) => errors.spanned(
            ty,
            format_args!(
                "the reply token is given to the handler to keep (in the state, or in a task), \
                 not lent: take `reply: ReplyTo<T>` by value, not `{}`",
                type_name(ty)
            ),
        ),
        Some(ReplyShape::NoType) => errors.spanned(
            ty,
            format_args!(
                "`{}` needs the type of the reply the caller gets: write `ReplyTo<T>`",
                type_name(ty)
            ),
        ),
    }
}

/// A parameter taken for the runtime's context must be `&mut Context<Self>` (or `&Context<Self>`).
fn check_context(ty: &Type, errors: &mut Errors) {
    match context_shape(ty) {
        Some(ContextShape::Borrowed) | None => {}
        Some(ContextShape::ByValue) => errors.spanned(
            ty,
            format_args!(
                "the context is lent to the callback for one message, not given away: take \
                 `ctx: &mut Context<Self>`, not `{}`",
                type_name(ty)
            ),
        ),
        Some(ContextShape::NoServer) => errors.spanned(
            ty,
            format_args!(
                "`Context` is generic over the server: take `ctx: &mut Context<Self>`, not `{}`",
                type_name(ty)
            ),
        ),
    }
}

fn pattern_message(pat: &Pat, func: &Callback, role: Role, ctx: &Ctx) -> String {
    let name = func.ident();
    let becomes = match role {
        Role::Init => format!(
            "it becomes a parameter of the generated `{}::{START_CLIENT}`",
            ctx.server_name
        ),
        Role::Handler(kind) if kind.on_client() => format!(
            "it becomes a parameter of the generated `{}::{name}`",
            ctx.client_name
        ),
        Role::Handler(_) => "it becomes a field of the message".to_owned(),
    };
    match pat {
        Pat::Wild(_) => format!(
            "give this argument of `{name}` a name ({becomes}); prefix it with `_` if the \
             handler does not use it"
        ),
        _ => format!(
            "an argument of `{name}` must be a plain name such as `point: Point`, because \
             {becomes}; take it whole and destructure it in the body"
        ),
    }
}

/// Where a type travels, for messages.
#[derive(Clone, Copy)]
enum Use {
    Message,
    Reply,
}

/// A type that travels between tasks must own its data: no borrows (other than `'static`),
/// no `impl Trait`.
fn check_owned(ty: &Type, use_: Use, errors: &mut Errors) {
    let Some(found) = find_borrow(ty) else {
        return;
    };
    let (travels, whose) = match use_ {
        Use::Message => (
            "a message must own its data: it travels to the server's task and may outlive the \
             caller's borrow",
            "take",
        ),
        Use::Reply => (
            "a reply must own its data: it travels back to the caller's task, while the state \
             it could borrow from stays in the server",
            "return",
        ),
    };
    match found {
        Borrow::Reference(r) if r.mutability.is_some() => errors.spanned(
            r,
            format_args!(
                "`{}` is a mutable borrow, which cannot travel between tasks; {whose} the value \
                 itself (`{}`) and send the result back in the reply",
                type_name(r),
                type_name(&r.elem)
            ),
        ),
        Borrow::Reference(r) => errors.spanned(
            r,
            format_args!(
                "`{}` borrows, but {travels}; {whose} {} instead",
                type_name(r),
                owned_alternative(&r.elem)
            ),
        ),
        Borrow::Lifetime(l) => errors.spanned(
            l,
            format_args!(
                "`{}` borrows for `{l}`, but {travels}; use an owned type (or `'static` data)",
                type_name(ty)
            ),
        ),
        Borrow::ImplTrait(t) => errors.spanned(
            t,
            format_args!(
                "`{}` cannot be stored in a message type; {whose} a concrete type, or a boxed \
                 trait object such as `Box<dyn Trait + Send>`",
                type_name(t)
            ),
        ),
    }
}

/// The owned type to use instead of borrowing an `elem`.
fn owned_alternative(elem: &Type) -> String {
    match elem {
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last().map(|s| s.ident.to_string());
            match last.as_deref() {
                Some("str") => "`String`".to_owned(),
                Some("Path") => "`PathBuf`".to_owned(),
                Some("OsStr") => "`OsString`".to_owned(),
                Some("CStr") => "`CString`".to_owned(),
                _ => format!(
                    "`{t}` (or `Arc<{t}>` to share one value)",
                    t = type_name(elem)
                ),
            }
        }
        Type::Slice(s) => format!("`Vec<{}>`", type_name(&s.elem)),
        Type::TraitObject(t) => {
            format!("`Box<{} + Send>`", type_name(t))
        }
        other => format!("`{}`", type_name(other)),
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;
    use syn::parse_quote;

    use super::*;
    use crate::gen_server::parse::{Parsed, parse};

    /// Parses and validates an impl block; the messages of every error, in order.
    fn errors_of(item: TokenStream) -> Vec<String> {
        let mut errors = Errors::default();
        match parse(quote!(), item, &mut errors) {
            Parsed::Server(server) => validate(&server, &mut errors),
            Parsed::NotAServer(_) => panic!("not a server"),
        }
        errors.messages()
    }

    #[test]
    fn a_valid_server_has_no_errors() {
        let errors = errors_of(quote! {
            impl Counter {
                async fn init(start: i64, ctx: &mut Context<Self>) -> Result<Self, E> { todo!() }
                #[call] async fn add(&mut self, mut by: i64) -> i64 { todo!() }
                #[call] fn get(&self) -> &'static str { todo!() }
                #[call] fn typed(self: &mut Self, job: Box<dyn Fn(&str) + Send>) {}
                #[cast] fn reset(&mut self, ctx: &mut Context<Self>) -> () {}
                #[info] fn tick(&mut self) {}
                #[handle_continue] fn resume(&mut self, step: Step) {}
                async fn terminate(&self) {}
                fn ping(&self) {} // not a handler: not on the client
            }
        });
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn the_owned_alternative_is_named() {
        let alt = |ty: Type| owned_alternative(&ty);
        assert_eq!(alt(parse_quote!(str)), "`String`");
        assert_eq!(alt(parse_quote!(std::path::Path)), "`PathBuf`");
        assert_eq!(alt(parse_quote!([u8])), "`Vec<u8>`");
        assert_eq!(alt(parse_quote!(dyn Tr)), "`Box<dyn Tr + Send>`");
        assert_eq!(
            alt(parse_quote!(Config)),
            "`Config` (or `Arc<Config>` to share one value)"
        );
    }

    #[test]
    fn handlers_run_on_a_borrowed_state() {
        let errors = errors_of(quote! {
            impl S {
                fn init() -> Self { S }
                #[call] fn a(self) {}
                #[cast] fn b(mut self) {}
                #[call] fn c(self: Box<Self>) {}
                #[cast] fn d() {}
            }
        });
        assert_eq!(
            errors,
            [
                "the #[call] handler `a` takes `self` by value, which would consume the \
                 server's state: take `&mut self` (or `&self`)",
                "the #[cast] handler `b` takes `self` by value, which would consume the \
                 server's state: take `&mut self` (or `&self`)",
                "the #[call] handler `c` takes `self: Box<Self>`, but the state stays in the \
                 server: take `&mut self` or `&self`",
                "the #[cast] handler `d` needs `&mut self` (or `&self`) as its first argument: \
                 handlers run on the server's state",
            ]
        );
    }

    #[test]
    fn client_and_server_names_are_reserved() {
        let errors = errors_of(quote! {
            impl S {
                fn init() -> Self { S }
                #[call] fn ping(&self) {}
                #[cast] fn with_timeout(&self) {}
                #[cast] fn info(&self) {}
                #[info] fn info2(&mut self, m: u8) {}
                fn start_client() {}
                #[call] fn clone(&self) -> Self { todo!() }
            }
        });
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].starts_with("`ping` is a built-in method of the generated `SClient`"));
        assert!(errors[1].starts_with("`with_timeout` is a built-in method"));
        assert!(errors[2].starts_with("`info` is a built-in method"));
        assert!(errors[3].starts_with("`start_client` is generated on `S`"));
        assert_eq!(
            errors[4],
            "`clone` is a built-in method of the generated `SClient` (from `Clone`); rename this \
             #[call] handler, whose name the client's method takes"
        );
    }

    #[test]
    fn one_info_and_one_continue_handler_with_one_message() {
        let errors = errors_of(quote! {
            impl S {
                fn init() -> Self { S }
                #[info] fn a(&mut self, m: u8) {}
                #[info] fn b(&mut self, m: u16) {}
                #[handle_continue] fn c(&mut self, x: u8, y: u8) -> u8 { x }
            }
        });
        assert_eq!(
            errors,
            [
                "`b` is a second #[info] handler, after `a`; a server has one info type, so one \
                 #[info] handler: take an enum and match on it there",
                "nobody waits for the result of the #[handle_continue] handler `c`, so it cannot \
                 return `u8`: remove the return type",
                "the #[handle_continue] handler `c` takes its message as one argument: bundle \
                 the arguments into one type (a struct, an enum or a tuple)",
            ]
        );
    }

    #[test]
    fn generic_servers_and_handlers_are_refused() {
        let errors = errors_of(quote! {
            impl<'a, T> S<'a, T> where T: Send {
                fn init() -> Self { todo!() }
                #[call] fn a<U>(&self, u: U) {}
                #[cast] unsafe fn b(&mut self) {}
            }
        });
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(
            errors[0].contains("cannot borrow for `'a`"),
            "{}",
            errors[0]
        );
        assert!(errors[1].starts_with("#[gen_server] does not support generic servers"));
        assert!(errors[2].starts_with("the #[call] handler `a` cannot be generic"));
        assert!(errors[3].starts_with("the #[cast] handler `b` cannot be `unsafe`"));
    }

    #[test]
    fn errors_come_in_the_order_of_the_source() {
        let errors = errors_of(quote! {
            impl S {
                #[call] fn first(self) {}
                fn terminate(self) {}
                fn init(&self) -> Self { S }
                #[cast] fn last(&mut self, x: &str) {}
            }
        });
        let starts: Vec<&str> = errors.iter().map(|e| &e[..12]).collect();
        assert_eq!(
            starts,
            [
                "the #[call] ",
                "`terminate` ",
                "`init` build",
                "`&str` borro"
            ]
        );
    }

    #[test]
    fn a_missing_init_is_reported_at_the_type() {
        let errors = errors_of(quote!(impl S { #[call] fn get(&self) {} }));
        assert_eq!(
            errors,
            [
                "gen_server `S` has no `init`: add `async fn init(args) -> Result<Self, E>` (or \
              `-> Self` when it cannot fail) to this impl block; it builds the state when the \
              server starts. A server has one #[gen_server] impl block: if `S` has another, move \
              these methods into it"
            ]
        );
    }

    #[test]
    fn a_missing_init_is_reported_at_what_was_meant_as_init() {
        for (item, name) in [
            (quote!(impl S { fn int() -> Self { S } }), "int"),
            (
                quote!(impl S { fn on_start(x: u8) -> Self { S } }),
                "on_start",
            ),
            (quote!(impl S { fn new() -> Result<Self, E> { S } }), "new"),
        ] {
            let errors = errors_of(item);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(
                errors[0].contains(&format!("`{name}` looks like it; did you mean `init`?")),
                "{}",
                errors[0]
            );
        }
    }

    #[test]
    fn unmarked_callbacks_are_refused_and_helpers_are_not() {
        let errors = errors_of(quote! {
            impl S {
                fn init() -> Self { S }
                fn handle_info(&mut self, m: u8) {}
                fn handle_calls(&self) -> u8 { 1 }
                fn handle(&mut self, m: u8) {}
                fn on_terminate(&mut self) {}
                fn handle_cancel(&mut self) {}
                fn terminated_count(&self) -> u8 { 0 }
                fn term(&mut self) {}
                fn handel_cast(&mut self, m: u8) {}
                fn handler_state(&self) -> u8 { 0 }
            }
        });
        let starts: Vec<&str> = errors
            .iter()
            .map(|e| &e[..e.find(' ').unwrap_or(0)])
            .collect();
        assert_eq!(
            starts,
            [
                "`handle_info`",
                "`handle_calls`",
                "`handle`",
                "`on_terminate`",
                "`handel_cast`"
            ],
            "{errors:#?}"
        );
        // With a `terminate`, a near miss of it is a helper.
        let errors = errors_of(quote! {
            impl S {
                fn init() -> Self { S }
                fn terminate(&mut self) {}
                fn terminated(&mut self) {}
            }
        });
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn the_context_is_lent_and_the_reason_borrowed() {
        let errors = errors_of(quote! {
            impl S {
                fn init(ctx: Context<Self>) -> Self { S }
                #[cast] fn a(&mut self, ctx: &mut Context) {}
                #[cast] fn b(&mut self, ctx: &Context<Self>, cx: otel::Context) {}
                fn terminate(&mut self, reason: ExitReason) {}
            }
        });
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(
            errors[0].starts_with("the context is lent"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("`Context` is generic"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].starts_with("`terminate` borrows the exit reason"),
            "{}",
            errors[2]
        );
    }
}
