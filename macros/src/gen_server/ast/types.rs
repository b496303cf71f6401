//! How the user's types read: the runtime's types as written in a signature (the context, the
//! reply token), and whatever in a type does not own its data (a message cannot hold it).

use syn::{GenericArgument, PathArguments, Type, TypeReference};

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

/// Something in a type that does not own its data.
pub(crate) enum Borrow<'a> {
    Reference(&'a TypeReference),
    Lifetime(&'a syn::Lifetime),
    ImplTrait(&'a syn::TypeImplTrait),
}

/// The first borrow (other than `'static`) or `impl Trait` in `ty`, outermost first.
pub(crate) fn find_borrow(ty: &Type) -> Option<Borrow<'_>> {
    match ty {
        Type::Reference(r) => match &r.lifetime {
            Some(l) if l.ident == "static" => find_borrow(&r.elem),
            _ => Some(Borrow::Reference(r)),
        },
        Type::ImplTrait(t) => Some(Borrow::ImplTrait(t)),
        Type::Path(p) => {
            if let Some(q) = &p.qself
                && let Some(b) = find_borrow(&q.ty)
            {
                return Some(b);
            }
            p.path.segments.iter().find_map(|s| match &s.arguments {
                PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
                    GenericArgument::Lifetime(l) if l.ident != "static" => {
                        Some(Borrow::Lifetime(l))
                    }
                    GenericArgument::Type(t) => find_borrow(t),
                    GenericArgument::AssocType(a) => find_borrow(&a.ty),
                    _ => None,
                }),
                // `Fn(&str) -> &str` sugar: its borrows are higher-ranked, not held.
                PathArguments::Parenthesized(_) => None,
                PathArguments::None => None,
            })
        }
        Type::TraitObject(t) => t.bounds.iter().find_map(|b| match b {
            syn::TypeParamBound::Lifetime(l) if l.ident != "static" => Some(Borrow::Lifetime(l)),
            _ => None,
        }),
        Type::Array(a) => find_borrow(&a.elem),
        Type::Slice(s) => find_borrow(&s.elem),
        Type::Group(g) => find_borrow(&g.elem),
        Type::Paren(p) => find_borrow(&p.elem),
        Type::Tuple(t) => t.elems.iter().find_map(find_borrow),
        _ => None,
    }
}

pub(crate) fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;
    use crate::text::type_name;

    #[test]
    fn borrows_are_found_wherever_they_hide() {
        let found = |ty: Type| {
            find_borrow(&ty).map(|b| match b {
                Borrow::Reference(r) => type_name(r),
                Borrow::Lifetime(l) => l.to_string(),
                Borrow::ImplTrait(t) => type_name(t),
            })
        };
        assert_eq!(found(parse_quote!(&str)).as_deref(), Some("&str"));
        assert_eq!(found(parse_quote!(Option<&[u8]>)).as_deref(), Some("&[u8]"));
        assert_eq!(
            found(parse_quote!((u8, &mut u8))).as_deref(),
            Some("&mut u8")
        );
        assert_eq!(found(parse_quote!(Cow<'a, str>)).as_deref(), Some("'a"));
        assert_eq!(found(parse_quote!(Box<dyn Tr + 'a>)).as_deref(), Some("'a"));
        assert_eq!(found(parse_quote!(impl Tr)).as_deref(), Some("impl Tr"));
        assert_eq!(
            found(parse_quote!(&'static &'a str)).as_deref(),
            Some("&'a str")
        );
        for owned in [
            parse_quote!(String),
            parse_quote!(&'static str),
            parse_quote!(Cow<'static, str>),
            parse_quote!(Box<dyn Fn(&str) -> &str + Send>),
            parse_quote!(fn(&u8) -> &u8),
            parse_quote!([u8; 4]),
        ] {
            assert_eq!(found(owned), None);
        }
    }
}
