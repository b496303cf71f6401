//! The message enums and the `GenServer` and `HasClient` impls.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned as _;

use super::names::{Names, await_if, mixed, never, tuple_or_single, unreachable_body};
use crate::gen_server::ast::{Handler, Kind};

/// One enum of calls, one of replies (a variant per call, named after its handler), one of
/// casts. Hidden: only the generated code names them.
pub(super) fn message_enums(n: &Names) -> TokenStream {
    let Names {
        call_enum,
        reply_enum,
        cast_enum,
        ..
    } = n;
    let attrs = quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, private_interfaces, clippy::large_enum_variant)]
    };
    let variants = |kind: Kind| -> Vec<TokenStream> {
        n.handlers(kind)
            .map(|h| {
                let name = h.func.ident();
                let cfgs = &h.func.cfgs;
                let fields = n.fields(&h.func).into_iter().map(|(i, t)| {
                    let wire = wire(n, &t);
                    quote!(#wire #i: #t)
                });
                quote!(#(#cfgs)* #name { #(#fields),* })
            })
            .collect()
    };
    // A remote server's enums derive serde, through the facade's macro (which derives nothing
    // without its `cluster` feature, whose absence is reported at `remote` instead).
    let item = |tokens: TokenStream| match &n.remote {
        Some((derive, serde)) => quote!(#derive! { #serde #tokens }),
        None => tokens,
    };
    let mut out = TokenStream::new();
    if n.has_enum(Kind::Call) {
        let calls = variants(Kind::Call);
        let replies = n.handlers(Kind::Call).map(|h| {
            let name = h.func.ident();
            let cfgs = &h.func.cfgs;
            let ty = n.reply_ty(&h.func);
            let wire = wire(n, &ty);
            quote!(#(#cfgs)* #name(#wire #ty))
        });
        // What `handle_call` returns once a handler took its reply token: dropped by the
        // runtime, never sent.
        let later = n.any_later().then(|| quote!(__Later,));
        out.extend(item(quote! {
            #attrs
            pub enum #call_enum { #(#calls,)* }
        }));
        out.extend(item(quote! {
            #attrs
            pub enum #reply_enum { #(#replies,)* #later }
        }));
    }
    if n.has_enum(Kind::Cast) {
        let casts = variants(Kind::Cast);
        out.extend(item(quote! {
            #attrs
            pub enum #cast_enum { #(#casts,)* }
        }));
    }
    out
}

/// A remote server's message field of type `ty`:
/// `#[serde(serialize_with = "<ty as ..::RemoteMessage>::serialize", deserialize_with = ..)]`,
/// located at `ty`. The serde derive's uses of
/// the field (one to serialise, one per way to deserialise) then all ask `ty: RemoteMessage` at
/// `ty`: a type that is not serialisable is one error there, reported once.
fn wire(n: &Names, ty: &syn::Type) -> TokenStream {
    if n.remote.is_none() {
        return TokenStream::new();
    }
    let krate = n.krate.to_token_stream().to_string().replace(' ', "");
    let path = |f: &str| {
        let path = format!(
            "<{} as {krate}::__private::cluster::RemoteMessage>::{f}",
            ty.to_token_stream()
        );
        let mut lit = proc_macro2::Literal::string(&path);
        lit.set_span(ty.span());
        lit
    };
    let (ser, de) = (path("serialize"), path("deserialize"));
    quote!(#[serde(serialize_with = #ser, deserialize_with = #de)])
}

/// `impl GenServer` (dispatching each message to its handler) and `impl HasClient`.
pub(super) fn gen_server_impl(n: &Names) -> TokenStream {
    let Names {
        rt,
        self_ty,
        client,
        bounds,
        ..
    } = n;
    let body = if n.stub() { stub_body(n) } else { full_body(n) };
    // A client less visible than the server cannot be its `HasClient::Client`: point that error
    // at the `vis` option.
    let client_ty = match &n.server.options.vis {
        Some(vis) => quote_spanned!(vis.span()=> type Client = #client;),
        None => quote!(type Client = #client;),
    };
    quote! {
        #[automatically_derived]
        #[allow(private_bounds)]
        impl #rt::GenServer for #self_ty #bounds {
            #body
        }

        #[automatically_derived]
        #[allow(private_bounds)]
        impl #rt::HasClient for #self_ty #bounds {
            #client_ty
        }
    }
}

/// The associated types of the `GenServer` impl, the info and continue types read from the
/// server's handlers.
fn associated_types(
    n: &Names,
    args: &TokenStream,
    call: &TokenStream,
    reply: &TokenStream,
    cast: &TokenStream,
    error: &TokenStream,
) -> TokenStream {
    let info = n.single_message_ty(Kind::Info);
    let continue_ = n.single_message_ty(Kind::Continue);
    quote! {
        type Args = #args;
        type Call = #call;
        type Reply = #reply;
        type Cast = #cast;
        type Info = #info;
        type Continue = #continue_;
        type Error = #error;
    }
}

/// Stand-ins: message types nobody can send, callbacks that never run.
fn stub_body(n: &Names) -> TokenStream {
    let rt = &n.rt;
    let never = never();
    let call = mixed("__call");
    let unreachable = unreachable_body(n, &[]);
    let args_ty = stub_args(n);
    let types = associated_types(n, &args_ty, &never, &never, &never, &never);
    quote! {
        #types

        async fn init(_: #args_ty, _: &mut #rt::Context<Self>) -> ::core::result::Result<Self, #never> {
            #unreachable
        }

        async fn handle_call(&mut self, #call: #never, _: &mut #rt::Context<Self>) -> #never {
            match #call {}
        }
    }
}

/// A stand-in's arguments: those of the user's `init` when they are plain owned types, so that
/// the server's uses (a tree child's arguments, `start_client`) are checked against what the
/// user wrote and report nothing more; `()` otherwise (validation reported what is wrong).
fn stub_args(n: &Names) -> TokenStream {
    let Some(init) = &n.server.init else {
        return quote!(());
    };
    let fields = n.fields(init);
    let plain = |ty: &syn::Type| match ty {
        syn::Type::Path(p) => {
            p.qself.is_none()
                && !p
                    .to_token_stream()
                    .into_iter()
                    .any(|t| matches!(&t, proc_macro2::TokenTree::Punct(p) if p.as_char() == '\''))
        }
        syn::Type::Tuple(t) => t.elems.is_empty(),
        _ => false,
    };
    if fields.iter().all(|(_, ty)| plain(ty)) {
        tuple_or_single(fields.iter().map(|(_, t)| t.to_token_stream()).collect())
    } else {
        quote!(())
    }
}

fn full_body(n: &Names) -> TokenStream {
    let Names {
        rt,
        call_enum,
        reply_enum,
        cast_enum,
        ..
    } = n;
    let (call_ty, reply_ty) = if n.has_enum(Kind::Call) {
        (quote!(#call_enum), quote!(#reply_enum))
    } else {
        (never(), never())
    };
    let cast_ty = if n.has_enum(Kind::Cast) {
        quote!(#cast_enum)
    } else {
        never()
    };
    let ctx = mixed("__ctx");
    let (args_ty, error_ty, init) = init_fn(n, &ctx);

    let arms = |kind: Kind, reply: bool| -> Vec<TokenStream> {
        n.handlers(kind)
            .map(|h: &Handler| {
                let name = h.func.ident();
                let cfgs = &h.func.cfgs;
                let fields = n.fields(&h.func).into_iter().map(|(i, _)| i);
                let args = n.call_args(&h.func, &ctx);
                let await_ = await_if(&h.func);
                let enum_ = if reply { call_enum } else { cast_enum };
                let run = quote!(Self::#name(self, #(#args),*) #await_);
                let run = if reply && h.func.reply_token().is_some() {
                    // The token is always there in `handle_call`; without it (the trait method
                    // called by hand) the handler is not run, and nobody waits.
                    let token = mixed("__reply");
                    quote!({
                        if let ::core::option::Option::Some(#token) = #ctx.reply_later_with(#reply_enum::#name) {
                            #run;
                        }
                        #reply_enum::__Later
                    })
                } else if reply {
                    quote!(#reply_enum::#name(#run))
                } else {
                    run
                };
                quote!(#(#cfgs)* #enum_::#name { #(#fields),* } => #run,)
            })
            .collect()
    };

    let call = mixed("__call");
    let call_arms = arms(Kind::Call, true);
    let handle_call = quote! {
        async fn handle_call(&mut self, #call: Self::Call, #ctx: &mut #rt::Context<Self>) -> Self::Reply {
            match #call { #(#call_arms)* }
        }
    };

    let cast = mixed("__cast");
    let handle_cast = n.has(Kind::Cast).then(|| {
        let cast_arms = arms(Kind::Cast, false);
        quote! {
            async fn handle_cast(&mut self, #cast: Self::Cast, #ctx: &mut #rt::Context<Self>) {
                match #cast { #(#cast_arms)* }
            }
        }
    });

    let handle_info = single_handler(n, Kind::Info, &ctx);
    let handle_continue = single_handler(n, Kind::Continue, &ctx);
    let handle_down = single_handler(n, Kind::Down, &ctx);
    let terminate = n.server.terminate.as_ref().map(|t| {
        let reason = mixed("__reason");
        let pass = t.message_params().next().map(|_| quote!(, #reason));
        let await_ = await_if(t);
        quote! {
            async fn terminate(&mut self, #reason: &#rt::ExitReason) {
                Self::terminate(self #pass) #await_
            }
        }
    });

    let types = associated_types(n, &args_ty, &call_ty, &reply_ty, &cast_ty, &error_ty);
    quote! {
        #types

        #init
        #handle_call
        #handle_cast
        #handle_info
        #handle_continue
        #handle_down
        #terminate
    }
}

/// `type Args`, `type Error` and `fn init`, calling the user's `init` with the arguments
/// unpacked from `Args` (one: itself; several: a tuple).
fn init_fn(n: &Names, ctx: &Ident) -> (TokenStream, TokenStream, TokenStream) {
    let rt = &n.rt;
    let Some(init) = &n.server.init else {
        // Not reached: validation requires an init.
        return (quote!(()), never(), TokenStream::new());
    };
    let fields = n.fields(init);
    let args_ty = tuple_or_single(fields.iter().map(|(_, t)| t.to_token_stream()).collect());
    let args = mixed("__args");
    let idents: Vec<&Ident> = fields.iter().map(|(i, _)| i).collect();
    let bind = match idents.len() {
        0 => TokenStream::new(),
        1 => quote!(let #(#idents)* = #args;),
        _ => quote!(let (#(#idents),*) = #args;),
    };
    let call_args = n.call_args(init, ctx);
    let await_ = await_if(init);
    let state = mixed("__state");
    let ok = quote!(::core::result::Result::Ok);
    let err = quote!(::core::result::Result::Err);
    let some = quote!(::core::option::Option::Some);
    let none = quote!(::core::option::Option::None);
    let ignore = quote!(#err(#rt::InitError::Ignore));
    let (st, e) = (mixed("__s"), mixed("__e"));
    let (error_ty, wrap) = match (n.init_error(), n.init_ignores()) {
        (Some((error, _)), false) => (error.into_token_stream(), quote!(#state)),
        (None, false) => (never(), quote!(#ok(#state))),
        // `Option<Self>`: `None` declines to start.
        (None, true) => (
            quote!(#rt::InitError<::core::convert::Infallible>),
            quote!(match #state { #some(#st) => #ok(#st), #none => #ignore }),
        ),
        // `Result<Option<Self>, E>`: `Ok(None)` declines.
        (Some((error, _)), true) => (
            quote!(#rt::InitError<#error>),
            quote!(match #state {
                #ok(#some(#st)) => #ok(#st),
                #ok(#none) => #ignore,
                #err(#e) => #err(#rt::InitError::Failed(#e)),
            }),
        ),
    };
    let is_ignore = n.init_ignores().then(|| {
        let error = mixed("__error");
        quote! {
            fn is_ignore(#error: &Self::Error) -> bool {
                #error.is_ignore()
            }
        }
    });
    let init = quote! {
        async fn init(#args: Self::Args, #ctx: &mut #rt::Context<Self>) -> ::core::result::Result<Self, Self::Error> {
            #bind
            let #state = Self::init(#(#call_args),*) #await_;
            #wrap
        }
        #is_ignore
    };
    (args_ty, error_ty, init)
}

/// `handle_info` / `handle_continue`, calling the one handler of that kind.
fn single_handler(n: &Names, kind: Kind, ctx: &Ident) -> TokenStream {
    let Some(h) = n.handlers(kind).next() else {
        return TokenStream::new();
    };
    let rt = &n.rt;
    let (method, ty, var) = match kind {
        Kind::Info => ("handle_info", "Info", "__info"),
        Kind::Down => ("handle_down", "Down", "__down"),
        _ => ("handle_continue", "Continue", "__cont"),
    };
    let method = Ident::new(method, Span::call_site());
    let ty = match kind {
        Kind::Down => quote!(#rt::Down),
        _ => {
            let ty = Ident::new(ty, Span::call_site());
            quote!(Self::#ty)
        }
    };
    let msg = mixed(var);
    let name = h.func.ident();
    let bind = match n.fields(&h.func).into_iter().next() {
        Some((ident, _)) => quote!(let #ident = #msg;),
        None => quote!(let () = #msg;),
    };
    let args = n.call_args(&h.func, ctx);
    let await_ = await_if(&h.func);
    quote! {
        async fn #method(&mut self, #msg: #ty, #ctx: &mut #rt::Context<Self>) {
            #bind
            Self::#name(self, #(#args),*) #await_
        }
    }
}
