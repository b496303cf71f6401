//! `init`, read once: what it returns (the state, a `Result` of it, either of them optional),
//! and, when there is none, the method most likely meant as it. Validation reports what does
//! not read; expansion writes `Args`, `Error` and `init` from what does.

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

use super::callback::Callback;
use crate::suggest::near_by_edits;
use crate::text::type_name;

/// What `init` returns, read from its signature.
pub(crate) enum InitOutput {
    /// `-> Self`: `init` cannot fail.
    State,
    /// `-> Result<Self, E>`: `E` is the server's error type.
    Result(Type),
    /// `-> io::Result<Self>` and other one-argument aliases of `Result`: the error type is
    /// found by the type checker.
    ResultAlias(Type),
}

/// Reads `init`'s return type: `Self`, `Result<Self, E>` or `SomeAlias::Result<Self>`, each
/// with `Option<Self>` in place of `Self` when `init` may decline to start (see
/// [`init_ignores`]).
pub(crate) fn init_output(ty: &Type, self_ty: &Type) -> syn::Result<InitOutput> {
    if is_self(ty, self_ty) || optional_self(ty, self_ty) {
        return Ok(InitOutput::State);
    }
    let wrong = || {
        syn::Error::new_spanned(
            ty,
            format_args!(
                "`init` must return the new state: `-> Self`, or `-> Result<Self, E>` when it can \
                 fail (`Option<Self>`, `Result<Option<Self>, E>` when it may decline to start), \
                 not `{}`",
                type_name(ty)
            ),
        )
    };
    if let Some(inner) = option_of(ty)
        && result_ok(inner).is_some_and(|ok| is_self(ok, self_ty) || optional_self(ok, self_ty))
    {
        return Err(syn::Error::new_spanned(
            ty,
            format_args!(
                "an `init` that may decline to start or fail returns `Result<Option<Self>, E>` \
                 (`Ok(None)` declines), not `{}`",
                type_name(ty)
            ),
        ));
    }
    let Type::Path(p) = ty else {
        return Err(wrong());
    };
    let Some(last) = p.path.segments.last() else {
        return Err(wrong());
    };
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return Err(wrong());
    };
    if last.ident != "Result" || p.qself.is_some() {
        return Err(wrong());
    }
    let types: Vec<&Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    let Some(ok) = types.first() else {
        return Err(wrong());
    };
    if !is_self(ok, self_ty) && !optional_self(ok, self_ty) {
        return Err(syn::Error::new_spanned(
            ok,
            format_args!(
                "`init` must build the server's state: `Result<Self, E>` (or \
                 `Result<Option<Self>, E>`), not `Result<{}, ..>`",
                type_name(ok)
            ),
        ));
    }
    match types.get(1) {
        Some(error) if types.len() == 2 => Ok(InitOutput::Result((*error).clone())),
        None => Ok(InitOutput::ResultAlias(ty.clone())),
        Some(_) => Err(wrong()),
    }
}

/// Whether `init`, returning `ty`, may decline to start (OTP's `ignore`): it returns
/// `Option<Self>`, or a `Result` of one (`None` declines).
pub(super) fn init_ignores(ty: &Type, self_ty: &Type) -> bool {
    optional_self(ty, self_ty) || result_ok(ty).is_some_and(|ok| optional_self(ok, self_ty))
}

/// `Option<Self>` (or of the server's type written out).
fn optional_self(ty: &Type, self_ty: &Type) -> bool {
    option_of(ty).is_some_and(|inner| is_self(inner, self_ty))
}

/// The `T` of `Option<T>`.
fn option_of(ty: &Type) -> Option<&Type> {
    single_argument(ty, "Option")
}

/// The first type argument of a path type ending in `Result` (`Result<T, E>`, `io::Result<T>`).
fn result_ok(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    if last.ident != "Result" || p.qself.is_some() {
        return None;
    }
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// The one type argument of a path type whose last segment is `name`.
fn single_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    if last.ident != name || args.args.len() != 1 {
        return None;
    }
    match &args.args[0] {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// `Self`, or the server's type written out (`Counter` for `impl crate::Counter` too).
fn is_self(ty: &Type, self_ty: &Type) -> bool {
    let last = |ty: &Type| match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().cloned(),
        _ => None,
    };
    match ty {
        Type::Path(p) if p.qself.is_none() && p.path.is_ident("Self") => true,
        Type::Group(g) => is_self(&g.elem, self_ty),
        Type::Paren(p) => is_self(&p.elem, self_ty),
        _ if ty.to_token_stream().to_string() == self_ty.to_token_stream().to_string() => true,
        _ => last(ty).is_some_and(|a| last(self_ty).is_some_and(|b| a == b)),
    }
}

/// The method most likely meant as `init` when there is none: a near miss of the name (or
/// another library's word for it), else a function without `self` that builds the state.
pub(super) fn init_candidate(unmarked: &[Callback], self_ty: &Type) -> Option<usize> {
    let near = unmarked
        .iter()
        .position(|f| f.receiver().is_none() && init_alias(&f.ident().to_string()).is_some());
    near.or_else(|| {
        unmarked.iter().position(|f| {
            f.receiver().is_none()
                && f.output()
                    .is_some_and(|ty| init_output(ty, self_ty).is_ok())
        })
    })
}

/// Names people give `init` (near misses, and the words of ractor, kameo and OTP).
fn init_alias(name: &str) -> Option<&'static str> {
    const ALIASES: &[&str] = &[
        "on_init",
        "pre_start",
        "on_start",
        "post_start",
        "initialize",
        "initialise",
        "start_link",
    ];
    if ALIASES.contains(&name) {
        return Some("init");
    }
    near_by_edits(name, &["init"])
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    #[test]
    fn init_returns_self_or_a_result_of_self() {
        let self_ty: Type = parse_quote!(Counter);
        let ok = |ty: Type| match &init_output(&ty, &self_ty) {
            Ok(InitOutput::State) => "state".to_owned(),
            Ok(InitOutput::Result(e)) => format!("error {}", type_name(e)),
            Ok(InitOutput::ResultAlias(r)) => format!("alias {}", type_name(r)),
            Err(e) => e.to_string(),
        };
        assert_eq!(ok(parse_quote!(Self)), "state");
        assert_eq!(ok(parse_quote!(Counter)), "state");
        assert_eq!(ok(parse_quote!(crate::Counter)), "state");
        assert!(ok(parse_quote!(Counter<u8>)).starts_with("`init` must return"));
        assert_eq!(ok(parse_quote!(Result<Self, E>)), "error E");
        assert_eq!(
            ok(parse_quote!(std::result::Result<Counter, io::Error>)),
            "error io::Error"
        );
        assert_eq!(ok(parse_quote!(io::Result<Self>)), "alias io::Result<Self>");
        // Declining to start: `Option<Self>` in place of `Self`.
        assert_eq!(ok(parse_quote!(Option<Self>)), "state");
        assert_eq!(ok(parse_quote!(Result<Option<Self>, E>)), "error E");
        assert_eq!(
            ok(parse_quote!(io::Result<Option<Counter>>)),
            "alias io::Result<Option<Counter>>"
        );
        assert!(
            ok(parse_quote!(Option<Result<Self, E>>)).starts_with("an `init` that may decline")
        );
        assert!(ok(parse_quote!(Option<u8>)).starts_with("`init` must return"));
        let ignores = |ty: Type| init_ignores(&ty, &self_ty);
        assert!(ignores(parse_quote!(Option<Self>)));
        assert!(ignores(parse_quote!(Result<Option<Counter>, E>)));
        assert!(ignores(parse_quote!(io::Result<Option<Self>>)));
        assert!(!ignores(parse_quote!(Result<Self, E>)));
        assert!(!ignores(parse_quote!(Self)));
        assert_eq!(
            ok(parse_quote!(Result<i64, E>)),
            "`init` must build the server's state: `Result<Self, E>` (or \
             `Result<Option<Self>, E>`), not `Result<i64, ..>`"
        );
        assert_eq!(
            ok(parse_quote!(u64)),
            "`init` must return the new state: `-> Self`, or `-> Result<Self, E>` when it can \
             fail (`Option<Self>`, `Result<Option<Self>, E>` when it may decline to start), not \
             `u64`"
        );
        assert!(ok(parse_quote!(Result<Self, E, F>)).starts_with("`init` must return"));
    }
}
