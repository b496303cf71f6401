//! Checks spanned at the user's types: `Send` for the state and messages, `Error` for `init`'s
//! error.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{Ident, Type};

use super::names::{Names, checked_const};
use crate::gen_server::ast::Kind;

/// Checks, spanned at the user's types, that the state, every message argument and every reply
/// is `Send`, and that `init`'s error is an error type. A failure is reported at that type
/// through the `#[diagnostic::on_unimplemented]` message of the runtime's `bounds` traits.
///
/// The checks are the body of a closure in the initializer of an associated constant,
/// `CHECKED` (0). The bounds of `start_client` and of the client's methods reach their types
/// through `[(); CHECKED]` (see `deferred_bounds`): when a check fails, the constant is an
/// error, and so are the types in those bounds, which then hold, so that the user's calls do
/// not report the failed check again.
pub(super) fn send_checks(n: &Names) -> TokenStream {
    let checks = &n.rt;
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
    let self_ty = n.self_ty;
    let checked = checked_const();
    quote! {
        #[allow(dead_code, clippy::all)]
        impl #self_ty {
            #[doc(hidden)]
            const #checked: usize = {
                let _ = || {
                    #[allow(unused_imports)]
                    use #checks::{Require as _, ViaAny as _, ViaAnyError as _, ViaError as _, ViaSend as _};
                    #body
                };
                0
            };
        }
    }
}
