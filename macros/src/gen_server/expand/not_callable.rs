//! Hidden methods on the client that exist only to fail, at the user's call, with a message
//! that says why it cannot be made: an unmarked method of the state, or `info` without an
//! `#[info]` handler ([`not_handlers`]); any method of a tree child's client before the tree is
//! started ([`not_started`]).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;

use super::names::Names;
use crate::gen_server::ast::{Kind, client_builtin, find_borrow};

/// Stand-ins on the client for what the server has but cannot be sent: each unmarked method
/// of the state taking `&self` or `&mut self` (a helper, or a handler whose `#[call]` was
/// forgotten) and `info` without an `#[info]` handler. Hidden, never callable: their bound
/// (`for<'a>` defers it to the call) fails with a message that says why, at the user's call,
/// instead of "no method named `get` found". Outside the anonymous `const _`, so that the
/// compiler's note names them `CounterClient::get`.
pub(super) fn not_handlers(n: &Names) -> TokenStream {
    let Names {
        rt,
        self_ty,
        client,
        bounds,
        ..
    } = n;
    let mut out = TokenStream::new();
    let taken = |name: &str| {
        client_builtin(name).is_some() || n.server.handlers.iter().any(|h| h.func.ident() == name)
    };
    for f in &n.server.unmarked {
        let sig = &f.sig;
        let plain = sig.constness.is_none()
            && sig.abi.is_none()
            && matches!(sig.safety, syn::Safety::Default)
            && sig.generics.params.is_empty()
            && sig.generics.where_clause.is_none()
            && sig.variadic.is_none()
            && f.receiver()
                .is_some_and(|r| matches!(r.kind, syn::ReceiverKind::Reference(..)));
        let name = f.ident();
        if !plain || taken(&name.to_string()) {
            continue;
        }
        let params = f.message_params().map(|pt| {
            let ty = n.resolve(&pt.ty);
            quote!(_: #ty)
        });
        let reply = f
            .output()
            .filter(|ty| find_borrow(ty).is_none() && !matches!(ty, syn::Type::Never(_)))
            .map(|ty| n.resolve(ty));
        let cfgs = &f.cfgs;
        let bound =
            quote_spanned!(name.span()=> for<'__not_a_handler> #self_ty: #rt::CallOrCastHandler);
        out.extend(match reply {
            // Returns what the method returns: read as a call. A future of a type of its own,
            // without the bound, so that `.await?` adds no errors.
            Some(reply) => quote! {
                #[doc(hidden)]
                #(#cfgs)*
                pub fn #name(&self, #(#params),*) -> ::core::future::Pending<::core::result::Result<#reply, #rt::CallError>>
                where #bound
                {
                    ::core::unreachable!()
                }
            },
            // Returns nothing: read as a cast.
            None => quote! {
                #[doc(hidden)]
                #(#cfgs)*
                pub fn #name(&self, #(#params),*) -> ::core::result::Result<(), #rt::CastError<()>>
                where #bound
                {
                    ::core::unreachable!()
                }
            },
        });
    }
    if !n.has(Kind::Info) {
        let message = quote::format_ident!("message");
        out.extend(quote! {
            #[doc(hidden)]
            pub fn info<__M>(&self, #message: __M) -> ::core::result::Result<(), #rt::CastError<__M>>
            where for<'__no_info> #self_ty: #rt::InfoHandler
            {
                let _ = #message;
                ::core::unreachable!()
            }
        });
    }
    if out.is_empty() {
        return out;
    }
    quote! {
        #[allow(dead_code, private_interfaces, private_bounds, clippy::all)]
        impl #client #bounds {
            #out
        }
    }
}

/// The stand-ins of the client's methods that a child of a tree's spec reaches
/// (`NotStartedClient`): the same signatures, each with a bound that no type meets, so that
/// calling one before the tree is started says to start it, at the call.
pub(super) fn not_started(n: &Names, methods_impl: &TokenStream) -> TokenStream {
    let (rt, client, bounds) = (&n.rt, &n.client, &n.bounds);
    let self_ty = n.self_ty;
    let Ok(mut item) = syn::parse2::<syn::ItemImpl>(methods_impl.clone()) else {
        return TokenStream::new();
    };
    let stand_in = Ident::new("NotStarted", proc_macro2::Span::call_site());
    *item.self_ty = syn::parse_quote!(#stand_in);
    item.attrs = vec![
        syn::parse_quote!(#[allow(dead_code, unused_variables, private_interfaces, private_bounds, clippy::all)]),
    ];
    for impl_item in &mut item.items {
        let syn::ImplItem::Fn(f) = impl_item else {
            continue;
        };
        f.attrs = vec![syn::parse_quote!(#[doc(hidden)])];
        // `-> impl Future<Output = T>` and `async fn .. -> T` become `-> Pending<T>`: an opaque
        // type would carry the bound below to every use of the result, each an error of its own.
        let output = match &f.sig.output {
            syn::ReturnType::Type(_, ty) => match &**ty {
                syn::Type::ImplTrait(it) => future_output(it),
                ty if f.sig.asyncness.is_some() => Some(ty.clone()),
                _ => None,
            },
            syn::ReturnType::Default => f.sig.asyncness.is_some().then(|| syn::parse_quote!(())),
        };
        f.block = match output {
            Some(out) => {
                f.sig.asyncness = None;
                f.sig.output = syn::parse_quote!(-> ::core::future::Pending<#out>);
                syn::parse_quote!({ ::core::future::pending() })
            }
            None => {
                syn::parse_quote!({ ::core::unreachable!("a child of a tree that is not started") })
            }
        };
        let name = &f.sig.ident;
        let bound: syn::WherePredicate = syn::parse_quote_spanned!(name.span()=>
            for<'__not_started> #self_ty: #rt::StartedChild
        );
        f.sig.generics.make_where_clause().predicates.push(bound);
    }
    quote! {
        const _: () = {
            #[derive(Clone, Copy)]
            pub struct #stand_in;

            #item

            #[automatically_derived]
            #[allow(private_bounds)]
            impl #rt::NotStartedClient for #client #bounds {
                type Methods = #stand_in;

                fn methods() -> #stand_in {
                    #stand_in
                }
            }
        };
    }
}

/// `T` of `impl Future<Output = T>`.
fn future_output(it: &syn::TypeImplTrait) -> Option<syn::Type> {
    it.bounds.iter().find_map(|b| {
        let syn::TypeParamBound::Trait(t) = b else {
            return None;
        };
        let last = t.path.segments.last()?;
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|a| match a {
            syn::GenericArgument::AssocType(assoc) if assoc.ident == "Output" => {
                Some(assoc.ty.clone())
            }
            _ => None,
        })
    })
}
