//! The validated AST to ordinary Rust against the runtime.
//!
//! Both forms expand through the same code: [`types`] makes one struct per supervisor (the
//! started tree's typed view, with its impls), [`spec`] makes the spec body (each init argument
//! evaluated once, then a `TreeSpec` whose build closure makes the runtime's specs against the
//! tree's registry). The expression form puts both in a block whose value is the spec body; the
//! item form puts the structs at module level and the spec body in the root type's `spec(..)`.
//!
//! Every path to the runtime is `::perennial::__private::..`. Checks that only the type
//! checker can make (is this a gen_server? do the arguments fit its `init`?) are emitted with
//! `quote_spanned!` at the user's tokens, through the assertion traits of the runtime's hidden
//! `checks` module, so their errors land where the mistake is written.

pub(crate) mod args;
pub(crate) mod cx;
mod fallback;
pub(crate) mod names;
pub(crate) mod settings;
mod spec;
#[cfg(test)]
mod tests;
mod types;

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

use super::ast::Tree;
use super::options::krate;

use cx::Cx;
pub(crate) use fallback::sanitize;

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
    let krate = krate::emit(&tree.root.krate);
    let cx = Cx {
        rt: quote!(#krate::__private),
        cluster: quote!(#krate::__private::cluster),
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
