//! The AST to Rust.
//!
//! A valid server expands to the user's impl block as written, the typed client struct, and,
//! inside an anonymous `const _: () = { ... };` (so nothing else lands in the user's
//! namespace): the message enums, the `GenServer` and `HasClient` impls ([`server`]), the
//! client's methods and `start_client` ([`client`]), and the `Send` checks ([`checks`]); and,
//! outside it, the client's hidden methods that only fail ([`not_callable`]). What they all
//! share is computed once in [`names`].
//!
//! An invalid one expands to the user's impl block and stand-ins for the rest ([`fallback`]),
//! so that code using the server or its client reports no errors of its own.
//!
//! Everything the runtime provides is named through `::perennial::__private` (or the path given
//! with `crate = ...`), std items through `::core`. Generated locals have mixed-site spans, so
//! they never clash with the user's argument names.

mod checks;
mod client;
mod names;
mod not_callable;
mod server;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned as _;

use names::{Mode, Names};

use super::ast::{ContextShape, Server, context_shape};

/// The full expansion of a valid server.
pub(crate) fn expand(server: &Server) -> TokenStream {
    let n = Names::new(server, Mode::Full);
    let item = &server.item;
    let client_struct = client::client_struct(&n);
    let enums = server::message_enums(&n);
    let gen_server = server::gen_server_impl(&n);
    let client_impl = client::client_impl(&n);
    let start = client::start_client(&n);
    let checks = checks::send_checks(&n);
    let not_handlers = not_callable::not_handlers(&n);
    let remote = server.options.remote.as_ref().map(|flag| {
        let krate = &n.krate;
        quote_spanned! {flag.span()=>
            const _: () = #krate::__private::cluster::require_remote_feature::<()>();
        }
    });
    quote! {
        #item
        #client_struct
        #not_handlers
        #remote
        const _: () = {
            #enums
            #gen_server
            #client_impl
            #start
            #checks
        };
    }
}

/// What is emitted when the input has errors: the user's impl block, helper attributes
/// stripped, and stand-ins for what a valid server would have generated (a `GenServer` impl
/// whose callbacks are never run, the client with a method per call and cast handler), so that
/// the rest of the crate compiles against them and only the real mistakes are reported.
///
/// A server the stand-ins cannot describe (generic, or not a named type) gets its impl block
/// only.
///
/// Nor does a block without `init` (and nothing that looks like one): it is most likely a second
/// `#[gen_server]` block of a server that has one, whose stand-ins would clash with the real
/// ones. And the context parameters the user wrote wrongly (reported) are written as they
/// should be, so that the compiler reports nothing more about them.
pub(crate) fn fallback(server: &Server) -> TokenStream {
    let mut item = server.item.clone();
    repair_context_params(&mut item);
    let item = &item;
    let describable = item.generics.params.is_empty()
        && item.generics.where_clause.is_none()
        && item.unsafety.is_none()
        && matches!(&*item.self_ty, Type::Path(p) if p.qself.is_none())
        && !client_is_server(server)
        && (server.init.is_some() || server.init_candidate().is_some());
    if !describable {
        return item.to_token_stream();
    }
    let n = Names::new(server, Mode::Stub);
    let client_struct = client::client_struct(&n);
    let gen_server = server::gen_server_impl(&n);
    let client_impl = client::client_impl(&n);
    let start = client::start_client(&n);
    quote! {
        #item
        #client_struct
        const _: () = {
            #gen_server
            #client_impl
            #start
        };
    }
}

/// `ctx: Context<Self>` -> `ctx: &mut Context<Self>`; `ctx: &mut Context` -> `ctx: &mut
/// Context<Self>`.
fn repair_context_params(item: &mut syn::ItemImpl) {
    for impl_item in &mut item.items {
        let syn::ImplItem::Fn(f) = impl_item else {
            continue;
        };
        for arg in &mut f.sig.inputs {
            let syn::FnArg::Typed(pt) = arg else { continue };
            match context_shape(&pt.ty) {
                Some(ContextShape::ByValue) => {
                    let ty = &pt.ty;
                    *pt.ty = syn::parse_quote_spanned!(ty.span()=> &mut #ty);
                }
                Some(ContextShape::NoServer) => {
                    if let Type::Reference(r) = &mut *pt.ty
                        && let Type::Path(p) = &mut *r.elem
                        && let Some(last) = p.path.segments.last_mut()
                    {
                        last.arguments = syn::PathArguments::AngleBracketed(
                            syn::parse_quote_spanned!(last.ident.span()=> <Self>),
                        );
                    }
                }
                Some(ContextShape::Borrowed) | None => {}
            }
        }
    }
}

/// `client = Counter` on `impl Counter`: a client struct would clash with the server's type.
fn client_is_server(server: &Server) -> bool {
    let last = match &*server.item.self_ty {
        Type::Path(p) => p.path.segments.last().map(|s| &s.ident),
        _ => None,
    };
    matches!((&server.options.client, last), (Some(client), Some(ty)) if client == ty)
}

#[cfg(test)]
mod tests;
