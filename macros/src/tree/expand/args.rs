//! What the specs of gen_server and task children share: their init arguments (evaluated once,
//! or a sibling's client made in the build closure), and the first bound a body asks of a child
//! type, so that a type that is not a gen_server is reported once, at the type.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use super::cx::{Cx, at, located};
use super::names;
use crate::tree::ast::{InitArg, Node, NodeKind, SiblingRef};

/// `let _: PhantomData<<S as HasClient>::Client>;` at `S`: the first bound asked of a gen_server
/// child's type in a body (see the module's docs).
pub(crate) fn assert_server(cx: &Cx, ty: &impl ToTokens) -> TokenStream {
    let (ty, span) = located(ty);
    let rt = cx.rt_at(span);
    quote_spanned! {span=>
        let _: ::core::marker::PhantomData<<#ty as #rt::HasClient>::Client>;
    }
}

/// The same for the child type of a dynamic supervisor: the `GenServer` bound of the field's
/// `DynamicSupervisor<Job>`, then the bounds of `tree::dynamic_spec` (its `Args` are kept for
/// restarts), which every later use of the type repeats.
pub(crate) fn assert_dynamic(cx: &Cx, ty: &syn::Type) -> TokenStream {
    let (ty, span) = located(ty);
    let rt = cx.rt_at(span);
    quote_spanned! {span=>
        let _ = ::core::marker::PhantomData::<#rt::DynamicSupervisor<#ty>>;
        let _ = #rt::dynamic_spec::<#ty>;
    }
}

/// Each argument's value and where it is written. Plain expressions are evaluated once: into
/// eager locals, or, when `inline`, left for the caller's own eager statement. A sibling's
/// client is made into a local in the build closure (`closure`): at the sibling's type, while
/// the local is named at the argument, where a mismatch with the child's `Args` lands.
pub(crate) fn args(
    cx: &Cx,
    name: &Ident,
    args: &[InitArg],
    siblings: &[Node],
    inline: bool,
    eager: &mut Vec<TokenStream>,
    closure: &mut TokenStream,
) -> Vec<(TokenStream, Span)> {
    args.iter()
        .enumerate()
        .map(|(index, arg)| match arg {
            InitArg::Expr(expr) => {
                let span = expr.span();
                if inline {
                    return (quote!(#expr), span);
                }
                let var = names::arg_var(name, index, span);
                // `(name)` passes a local that a bare `name` would not (a sibling's client, a
                // task's token): its parentheses are meant, not unused.
                let allow =
                    matches!(expr, syn::Expr::Paren(_)).then(|| quote!(#[allow(unused_parens)]));
                eager.push(quote!(#allow let #var = #expr;));
                (quote!(#var), span)
            }
            InitArg::Sibling(sibling) => {
                let span = sibling.name.span();
                let var = names::arg_var(name, index, span);
                let client = sibling_client(cx, sibling, siblings);
                closure.extend(quote!(let #var = #client;));
                (quote!(#var), span)
            }
        })
        .collect()
}

/// `client::<Pool>(registry, "pool")`, at the sibling's type (whose checks it repeats).
fn sibling_client(cx: &Cx, sibling: &SiblingRef, siblings: &[Node]) -> TokenStream {
    match siblings.get(sibling.index).map(|target| &target.kind) {
        Some(NodeKind::Server(target)) => {
            let (ty, span) = located(&target.ty);
            let rt = cx.rt_at(span);
            let key = sibling.name.to_string();
            quote_spanned!(span=> #rt::client::<#ty>(__perennial_registry, #key))
        }
        // Refused by validation; a best-effort expansion has replaced it.
        _ => {
            let span = at(sibling.name.span());
            let rt = cx.rt_at(span);
            quote_spanned!(span=> #rt::placeholder())
        }
    }
}

/// A child's field in its supervisor's struct of the started tree.
pub(crate) struct Field {
    /// Its doc comment.
    pub doc: String,
    pub ty: TokenStream,
    /// How `__perennial_attach` makes it from the supervisor's handle.
    pub init: TokenStream,
    /// Where its type is checked: a clone of the field is located there too.
    pub span: Span,
    /// The check its type's uses start with (see `spec`'s docs), so that a type that is not a
    /// gen_server is reported once.
    pub assert: Option<TokenStream>,
}
