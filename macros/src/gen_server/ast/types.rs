//! How the user writes the runtime's types in a signature: the context, the reply token.

use syn::Type;

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
