//! The impl block itself: not `unsafe`, not generic, of a named type.

use quote::ToTokens;
use syn::{GenericParam, Type};

use crate::errors::Errors;
use crate::gen_server::ast::Server;
use crate::text::type_name;

pub(super) fn check_impl(server: &Server, errors: &mut Errors) {
    let item = &server.item;
    if let Some(unsafety) = &item.unsafety {
        errors.spanned(
            unsafety,
            "a gen_server impl cannot be `unsafe`: remove `unsafe`",
        );
    }
    let mut lifetimes = Vec::new();
    let mut others = Vec::new();
    for param in &item.generics.params {
        match param {
            GenericParam::Lifetime(l) => lifetimes.push(l),
            other => others.push(other),
        }
    }
    for l in lifetimes {
        errors.spanned(
            l,
            format_args!(
                "a gen_server's state moves into its own task and must be `'static`, so it \
                 cannot borrow for `{}`: own the data (`String`, `Vec<T>`, `Arc<T>`) instead",
                l.lifetime
            ),
        );
    }
    if !others.is_empty() || item.generics.where_clause.is_some() {
        let tokens = if others.is_empty() {
            item.generics.where_clause.to_token_stream()
        } else {
            item.generics.to_token_stream()
        };
        errors.spanned(
            tokens,
            format_args!(
                "#[gen_server] does not support generic servers: the message types it generates \
                 need concrete types. Put it on an impl of a concrete type (a wrapper such as \
                 `struct IntStore(Store<i64>);`), or implement `GenServer` for `{}` by hand",
                type_name(&item.self_ty)
            ),
        );
    }
    let named = matches!(&*item.self_ty, Type::Path(p) if p.qself.is_none());
    if !named {
        errors.spanned(
            &item.self_ty,
            "#[gen_server] needs a named type for the server's state (a struct or an enum of \
             this crate), such as `impl Counter { ... }`",
        );
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::gen_server::validate::tests::errors_of;

    #[test]
    fn generic_servers_and_handlers_are_refused() {
        let errors = errors_of(quote! {
            impl<'a, T> S<'a, T> where T: Send {
                fn init() -> Self { todo!() }
                #[call] fn a<U>(&self, u: U) {}
                #[cast] unsafe fn b(&mut self) {}
            }
        });
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(
            errors[0].contains("cannot borrow for `'a`"),
            "{}",
            errors[0]
        );
        assert!(errors[1].starts_with("#[gen_server] does not support generic servers"));
        assert!(errors[2].starts_with("the #[call] handler `a` cannot be generic"));
        assert!(errors[3].starts_with("the #[cast] handler `b` cannot be `unsafe`"));
    }
}
