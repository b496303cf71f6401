//! The validated AST to ordinary Rust against the runtime.
//!
//! Both forms expand through the same code: [`types`] makes one struct per supervisor (the
//! started tree's typed view, with its impls), [`spec`] makes the spec body (each init argument
//! evaluated once, then a `TreeSpec` whose build closure makes the runtime's specs against the
//! tree's registry). The expression form puts both in a block whose value is the spec body; the
//! item form puts the structs at module level and the spec body in the root type's `spec(..)`.
//!
//! Every path to the runtime is `::perennial::__private::runtime::..`. Checks that only the type
//! checker can make (is this a gen_server? do the arguments fit its `init`?) are emitted with
//! `quote_spanned!` at the user's tokens, through the assertion traits of the runtime's hidden
//! `checks` module, so their errors land where the mistake is written.

mod fallback;
mod names;
mod settings;
mod spec;
#[cfg(test)]
mod tests;
mod types;

use std::collections::HashSet;

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::Ident;

use super::ast::Tree;

pub(crate) use fallback::sanitize;

/// What every part of the expansion needs.
pub(crate) struct Cx {
    /// `::perennial::__private::runtime`
    rt: TokenStream,
    /// The root's struct: the header's name, or one made from the root's name.
    root_ty: Ident,
    /// `let`s of the options given as expressions, in the order met: the spec body evaluates
    /// them once, before its `TreeSpec` (see `settings`).
    option_lets: std::cell::RefCell<Vec<TokenStream>>,
}

/// Expands a tree that validated (or was made valid by [`sanitize`]). `taken` holds every
/// identifier of the macro's input, so that the types of the expression form shadow none.
pub(crate) fn expand(tree: &Tree, taken: &HashSet<String>) -> TokenStream {
    expand_after(tree, taken, TokenStream::new())
}

/// [`expand`], with `before` (the `compile_error!`s of a tree with mistakes) at the start of the
/// expression form's block, or before the items of the item form.
pub(crate) fn expand_after(
    tree: &Tree,
    taken: &HashSet<String>,
    before: TokenStream,
) -> TokenStream {
    let root_ty = match &tree.header {
        Some(header) => header.ident.clone(),
        None => names::expression_root_type(tree, taken),
    };
    let cx = Cx {
        rt: quote!(::perennial::__private::runtime),
        root_ty,
        option_lets: std::cell::RefCell::default(),
    };
    let structs = types::structs(&cx, tree);
    let not_started = types::not_started(&cx, tree);
    let structs = quote!(#structs #not_started);
    let body = spec::body(&cx, tree);
    match &tree.header {
        None => expression(
            quote! {
                #before
                #structs
                #body
            },
            tree.name.span(),
        ),
        Some(header) => {
            let api = types::item_api(&cx, tree, header, body);
            quote! {
                #before
                #structs
                #api
            }
        }
    }
}

/// The expression form's block, labelled so that the form read in item position (at module
/// level, where it can't be: the compiler then says "macro expansion ignores `'label`") says
/// what to do. In expression position the label is used by its own `break`, so it changes
/// nothing. Located at `at` (the root's name), with a hygienic name no user label can meet.
pub(crate) fn expression(block: TokenStream, at: Span) -> TokenStream {
    let label = syn::Lifetime::new(
        "'at_module_level_write_a_header_such_as_pub_struct_app_before_the_tree",
        Span::mixed_site().located_at(at),
    );
    // The label is used (no `unused_labels`), by a `break` the lints do not read as diverging.
    let value = Ident::new("__tree", Span::mixed_site());
    quote! {
        #label: {
            let #value = { #block };
            if true {
                break #label #value;
            }
            #value
        }
    }
}

impl Cx {
    /// `::perennial::__private::runtime` located at `span`, for a path whose errors should
    /// land there: an expression's span runs from its first token to its last.
    fn rt_at(&self, span: Span) -> TokenStream {
        respan(self.rt.clone(), span)
    }
}

/// `tokens` with every token, and every group's delimiters, at `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            match &tree {
                TokenTree::Group(group) => {
                    let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                    inner.set_span(span);
                    tree = TokenTree::Group(inner);
                }
                // `$crate` (a type named through a `macro_rules!` wrapper) resolves by its own
                // span: keep it.
                TokenTree::Ident(ident) if ident == "$crate" => {}
                _ => tree.set_span(span),
            }
            tree
        })
        .collect()
}

/// A child's type with every token at one span (the call site's resolution, the type's
/// location), and that span. rustc reports a bound once per span and body, and drops an
/// identical diagnostic, so a type that is not a gen_server is reported once only if every
/// use of it is at the same span.
fn located(ty: &impl ToTokens) -> (TokenStream, Span) {
    let span = at(syn::spanned::Spanned::span(ty));
    (respan(ty.to_token_stream(), span), span)
}

/// A span with the resolution of the macro's call site and the location of `at` (a user's
/// token), for generated tokens whose errors should point at what the user wrote.
fn at(at: Span) -> Span {
    Span::call_site().located_at(at)
}
