//! Checks spanned at the user's types: `Send` for the state and messages, `Error` for `init`'s
//! error.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{Ident, Type};

use super::Names;
use crate::gen_server::ast::Kind;

/// Checks, spanned at the user's types, that the state, every message argument and every reply
/// is `Send`. A failure is reported at that type through the
/// `#[diagnostic::on_unimplemented]` message of `__private::gen_server`'s traits; the
/// generated items' own `Send` bounds are deferred (see `deferred_bounds`) so that this is the
/// only error.
pub(super) fn send_checks(n: &Names) -> TokenStream {
    let checks = &n.checks;
    let mut body = TokenStream::new();
    let mut check = |ty: &Type, method: &str| {
        let method = Ident::new(method, ty.span());
        let resolved = n.resolve(ty);
        body.extend(quote_spanned! {ty.span()=>
            (&#checks::Probe::<#resolved>::NEW).probe().#method::<#resolved>();
        });
    };
    check(n.self_ty, "state_is_send");
    let funcs = n.server.init.iter();
    for func in funcs.chain(n.server.handlers.iter().map(|h| &h.func)) {
        for pt in func.message_params() {
            check(&pt.ty, "message_is_send");
        }
    }
    for h in n.handlers(Kind::Call) {
        if let Some(ty) = h.func.reply_token().or(h.func.output()) {
            check(ty, "reply_is_send");
        }
    }
    if let Some((error, span)) = n.init_error() {
        body.extend(quote_spanned! {span=>
            (&#checks::ErrorProbe::<#error>::NEW).probe_error().init_error::<#error>();
        });
    }
    quote! {
        #[allow(dead_code, clippy::all)]
        fn __gen_server_checks() {
            #[allow(unused_imports)]
            use #checks::{Require as _, ViaAny as _, ViaAnyError as _, ViaError as _, ViaSend as _};
            #body
        }
    }
}
