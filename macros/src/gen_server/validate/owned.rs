//! What travels between tasks owns its data: message arguments, replies, reply tokens' types.

use syn::Type;

use crate::errors::Errors;
use crate::gen_server::ast::{Borrow, find_borrow};
use crate::text::type_name;

/// Where a type travels, for messages.
#[derive(Clone, Copy)]
pub(super) enum Use {
    Message,
    Reply,
}

/// A type that travels between tasks must own its data: no borrows (other than `'static`),
/// no `impl Trait`.
pub(super) fn check_owned(ty: &Type, use_: Use, errors: &mut Errors) {
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
    use syn::parse_quote;

    use super::*;

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
}
