//! The functions of the impl block that the macro calls, and their parameters as the runtime
//! sees them: the context it lends, the reply token it gives, the message fields.

use syn::{Attribute, FnArg, Ident, Pat, Receiver, ReturnType, Signature, Type};

use super::types::{ReplyShape, is_context, reply_shape};

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
