//! The typed AST of a `#[gen_server]` impl block.
//!
//! Parsing only sorts the user's items into these nodes; it keeps the user's own tokens
//! (signatures, types, attributes) so that every later diagnostic can point at them. Whether
//! those tokens make sense is `validate`'s business.

use syn::Visibility;
use syn::{Attribute, FnArg, Ident, ItemImpl, Pat, Path, Receiver, ReturnType, Signature, Type};

/// A parsed `#[gen_server(...)] impl Type { ... }`.
pub(crate) struct Server {
    pub options: Options,
    /// The user's impl block with the helper attributes (`#[call]`, ...) removed. It is emitted
    /// as written, whatever else happens.
    pub item: ItemImpl,
    /// `fn init`, recognised by its name.
    pub init: Option<Callback>,
    /// `fn terminate`, recognised by its name.
    pub terminate: Option<Callback>,
    /// The marked handlers, in the order they were written.
    pub handlers: Vec<Handler>,
    /// The other functions (helpers, or callbacks that were misnamed or left unmarked), in the
    /// order they were written.
    pub unmarked: Vec<Callback>,
    /// Every function of the impl with its position, handlers or not, for the reserved-name
    /// check.
    pub fn_names: Vec<(usize, Ident)>,
}

/// The options of the attribute itself: `#[gen_server(vis = pub(crate), client = Name)]`.
#[derive(Default)]
pub(crate) struct Options {
    /// Visibility of the generated client and of `start_client`; `pub` by default.
    pub vis: Option<Visibility>,
    /// Name of the generated client; `<Type>Client` by default.
    pub client: Option<Ident>,
    /// Path of the `perennial` crate, for a renamed dependency; `::perennial` by default.
    pub krate: Option<Path>,
    /// `remote`: the messages derive serde, so other nodes can call the server (perennial's
    /// `cluster` feature). The flag's token, to point at.
    pub remote: Option<Ident>,
}

/// What a marked handler handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[call]`: a request with a reply.
    Call,
    /// `#[cast]`: a fire-and-forget request.
    Cast,
    /// `#[info]`: the server's other messages.
    Info,
    /// `#[handle_continue]`: work requested with `Context::continue_with`.
    Continue,
    /// `#[down]`: the news that a monitored process is down.
    Down,
}

impl Kind {
    /// Every kind, in the order the attributes are listed in messages.
    pub const ALL: [Kind; 5] = [
        Kind::Call,
        Kind::Cast,
        Kind::Info,
        Kind::Continue,
        Kind::Down,
    ];

    /// The helper attribute that marks it.
    pub fn attr_name(self) -> &'static str {
        match self {
            Kind::Call => "call",
            Kind::Cast => "cast",
            Kind::Info => "info",
            Kind::Continue => "handle_continue",
            Kind::Down => "down",
        }
    }

    /// The kind marked by the helper attribute `name`.
    pub fn from_attr_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.attr_name() == name)
    }

    /// Whether the handler goes on the generated client (calls and casts do).
    pub fn on_client(self) -> bool {
        matches!(self, Kind::Call | Kind::Cast)
    }
}

/// A method marked `#[call]`, `#[cast]`, `#[info]` or `#[handle_continue]`.
pub(crate) struct Handler {
    pub kind: Kind,
    /// The marking attribute (`#[call]`), for errors about the marking itself.
    pub marker: Attribute,
    pub func: Callback,
}

/// A function of the impl that the macro calls: a handler, `init` or `terminate`.
pub(crate) struct Callback {
    /// Where it is in the impl block (0 for the first item), to report in source order.
    pub position: usize,
    /// The user's signature, untouched.
    pub sig: Signature,
    /// The user's `///` docs, copied onto the client method.
    pub docs: Vec<Attribute>,
    /// The user's `#[cfg(...)]`s, copied onto everything generated for this function.
    pub cfgs: Vec<Attribute>,
}

/// One parameter of a callback, other than its receiver.
pub(crate) enum Param<'a> {
    /// `ctx: &mut Context<Self>`: passed through from the runtime, not part of the message.
    Context(&'a syn::PatType),
    /// `reply: ReplyTo<T>`: the right to answer the call later, given by the runtime.
    Reply(&'a syn::PatType),
    /// Anything else: a field of the message.
    Message(&'a syn::PatType),
}

impl Callback {
    pub fn ident(&self) -> &Ident {
        &self.sig.ident
    }

    pub fn is_async(&self) -> bool {
        self.sig.asyncness.is_some()
    }

    pub fn receiver(&self) -> Option<&Receiver> {
        self.sig.receiver()
    }

    /// The parameters after the receiver, sorted into context and message.
    pub fn params(&self) -> impl Iterator<Item = Param<'_>> {
        self.sig.inputs.iter().filter_map(|arg| match arg {
            FnArg::Receiver(_) => None,
            FnArg::Typed(pt) if is_context(&pt.ty) => Some(Param::Context(pt)),
            FnArg::Typed(pt) if reply_shape(&pt.ty).is_some() => Some(Param::Reply(pt)),
            FnArg::Typed(pt) => Some(Param::Message(pt)),
        })
    }

    /// The message parameters: what the caller sends.
    pub fn message_params(&self) -> impl Iterator<Item = &syn::PatType> {
        self.params().filter_map(|p| match p {
            Param::Message(pt) => Some(pt),
            Param::Context(_) | Param::Reply(_) => None,
        })
    }

    /// The type `T` of a `ReplyTo<T>` parameter, written right: the handler replies later, and
    /// the caller gets a `T`.
    pub fn reply_token(&self) -> Option<&Type> {
        self.params().find_map(|p| match p {
            Param::Reply(pt) => match reply_shape(&pt.ty) {
                Some(ReplyShape::Token(ty)) => Some(ty),
                _ => None,
            },
            _ => None,
        })
    }

    /// The declared return type, if any (`-> ()` counts as one).
    pub fn output(&self) -> Option<&Type> {
        match &self.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => Some(ty),
        }
    }
}

/// The name a message parameter binds, when its pattern is a plain name (`mut` allowed).
pub(crate) fn param_ident(pt: &syn::PatType) -> Option<&Ident> {
    match &*pt.pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => Some(&p.ident),
        _ => None,
    }
}

/// How a parameter written for the runtime's context is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContextShape {
    /// `&mut Context<..>` or `&Context<..>`: right.
    Borrowed,
    /// `Context<..>` by value: a mistake (the runtime lends it).
    ByValue,
    /// `&mut Context` without the server type: a mistake.
    NoServer,
}

/// Whether `ty` is meant as the runtime's context (a path ending in `Context` with one type
/// argument, borrowed or not, or a borrowed `Context` without one), and how it is written.
pub(crate) fn context_shape(ty: &Type) -> Option<ContextShape> {
    let (last, borrowed) = runtime_type(ty, "Context")?;
    let one_type = match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.len() == 1,
        syn::PathArguments::None => false,
        syn::PathArguments::Parenthesized(_) => return None,
    };
    match (borrowed, one_type) {
        (true, true) => Some(ContextShape::Borrowed),
        (false, true) => Some(ContextShape::ByValue),
        (true, false) => Some(ContextShape::NoServer),
        // A `Context` of its own (another crate's, by value) is an ordinary message argument.
        (false, false) => None,
    }
}

/// A parameter the runtime passes rather than the caller sends: the context.
pub(crate) fn is_context(ty: &Type) -> bool {
    context_shape(ty).is_some()
}

/// How a parameter written as a reply token is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReplyShape<'a> {
    /// `ReplyTo<T>` by value: right; the caller gets a `T`.
    Token(&'a Type),
    /// `&mut ReplyTo<T>` or `&ReplyTo<T>`: a mistake (the token is the handler's to keep).
    Borrowed,
    /// `ReplyTo` without its reply type: a mistake.
    NoType,
}

/// Whether `ty` is meant as the runtime's reply token (a path ending in `ReplyTo`, borrowed or
/// not, with or without its type argument), and how it is written.
pub(crate) fn reply_shape(ty: &Type) -> Option<ReplyShape<'_>> {
    let (last, borrowed) = runtime_type(ty, "ReplyTo")?;
    let reply = match &last.arguments {
        syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        },
        syn::PathArguments::Parenthesized(_) => return None,
        _ => None,
    };
    Some(match (borrowed, reply) {
        (true, _) => ReplyShape::Borrowed,
        (false, Some(ty)) => ReplyShape::Token(ty),
        (false, None) => ReplyShape::NoType,
    })
}

/// The last segment of `ty`, borrowed or not, when it is a path ending in `name` (the way the
/// user writes one of the runtime's types: `Context<Self>`, `perennial::ReplyTo<T>`), and
/// whether it is borrowed.
fn runtime_type<'a>(ty: &'a Type, name: &str) -> Option<(&'a syn::PathSegment, bool)> {
    let (elem, borrowed) = match ty {
        Type::Reference(r) => (&*r.elem, true),
        other => (other, false),
    };
    let Type::Path(p) = elem else {
        return None;
    };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    Some((last, borrowed))
}
