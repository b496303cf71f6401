//! `name: Type(init args) { options }`: a gen_server child.

use proc_macro2::Delimiter;
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{
    AngleBracketedGenericArguments, Ident, Path, PathArguments, PathSegment, Token, parenthesized,
    token,
};

use crate::tree::ast::{InitArg, Server};
use crate::tree::options::{Options, Place};
use crate::tree::parse::{ParseWith, State, exprs};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::tree::ast::Node;
use crate::tree::expand::args::Field;
use crate::tree::expand::args::{args, assert_server};
use crate::tree::expand::cx::{Cx, at, located};
use crate::tree::expand::names;

impl ParseWith for Server {
    fn parse_with(input: ParseStream, state: &mut State) -> syn::Result<Server> {
        let ty = type_path(input)?;
        let (args, args_span) = if input.peek(token::Paren) {
            let content;
            let paren = parenthesized!(content in input);
            (exprs(&content)?, paren.span.join())
        } else {
            (Vec::new(), ty.span())
        };
        let options = Options::read_next(input, Delimiter::Brace, Place::Server, state)?;
        Ok(Server {
            ty,
            args: args.into_iter().map(InitArg::Expr).collect(),
            args_span,
            child: options.child,
            health: options.health,
            groups: options.groups,
        })
    }
}

/// A type as a path, with generics written either way (`Lru<K>` or `Lru::<K>`). `syn::Type`
/// can't be used: it would read `Cache(1024)` as the start of a `Fn(..)`-style path.
fn type_path(input: ParseStream) -> syn::Result<Path> {
    let leading_colon: Option<Token![::]> = input.parse()?;
    let mut path = Path {
        leading_colon,
        segments: Default::default(),
    };
    loop {
        let ident = if input.peek(Token![crate])
            || input.peek(Token![self])
            || input.peek(Token![super])
            || input.peek(Token![Self])
        {
            Ident::parse_any(input)?
        } else {
            input.parse::<Ident>()?
        };
        let arguments = if input.peek(Token![<]) || turbofish(input) {
            PathArguments::AngleBracketed(input.parse::<AngleBracketedGenericArguments>()?)
        } else {
            PathArguments::None
        };
        path.segments.push_value(PathSegment { ident, arguments });
        if input.peek(Token![::]) && !turbofish(input) {
            path.segments.push_punct(input.parse()?);
        } else {
            return Ok(path);
        }
    }
}

/// `::<` is next (`::` is two tokens, so `peek2` can't see past it).
fn turbofish(input: ParseStream) -> bool {
    let fork = input.fork();
    fork.parse::<Token![::]>().is_ok() && fork.peek(Token![<])
}

/// `ChildSpec::server_with::<S>(name, move || fresh_args(&args))`, with `S`'s args checked at the
/// user's tokens: one argument is `S::Args` itself, several are a tuple, none is `()`.
pub(crate) fn spec(
    cx: &Cx,
    name: &Ident,
    server: &Server,
    siblings: &[Node],
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    let (ty, ty_span) = located(&server.ty);
    let rt_ty = cx.rt_at(ty_span);
    eager.push(assert_server(cx, &server.ty));
    let var = names::var(name);
    // Through `InitArgs` rather than `GenServer`: a projection on `GenServer` also asks its
    // supertrait `Send` of the type, which `#[gen_server]` already reported if it fails.
    let args_ty = quote_spanned!(ty_span=> <#ty as #rt_ty::InitArgs>::Args);
    let in_closure = server
        .args
        .iter()
        .any(|arg| matches!(arg, InitArg::Sibling(_)));
    let mut closure = TokenStream::new();
    let values = args(
        cx,
        name,
        &server.args,
        siblings,
        !in_closure,
        eager,
        &mut closure,
    );
    let args_span = at(server.args_span);
    let let_ = match values.as_slice() {
        [] => quote_spanned!(args_span=> let #var: #args_ty = ();),
        // One argument is the `Args`: a mismatch lands on it.
        [(one, span)] => quote_spanned!(at(*span)=> let #var: #args_ty = #one;),
        // Several are a tuple: a mismatch lands on their parentheses.
        many => {
            let many = many.iter().map(|(value, _)| value);
            quote_spanned!(args_span=> let #var: #args_ty = (#(#many),*);)
        }
    };
    let rt_args = cx.rt_at(args_span);
    let var_at_args = names::var_at(name, args_span);
    let again = quote_spanned!(args_span=> #rt_args::fresh_args(&#var_at_args));
    let key = name.to_string();
    let spec = quote_spanned! {ty_span=>
        #rt_ty::ChildSpec::server_with::<#ty>(#key, move || #again)
    };
    if in_closure {
        quote!({ #closure #let_ #spec })
    } else {
        eager.push(let_);
        spec
    }
}

/// `<Cache as HasClient>::Client`, bound to the child's name.
pub(crate) fn field(cx: &Cx, name: &Ident, server: &Server) -> Field {
    let key = name.to_string();
    let (server_ty, span) = located(&server.ty);
    let rt_ty = cx.rt_at(span);
    Field {
        doc: format!(
            " The gen_server `{key}`: a typed client of `{}`, bound to the name `{key}`, so that it reaches whichever incarnation is running.",
            quote!(#server_ty).to_string().replace(' ', "")
        ),
        ty: quote_spanned!(span=> <#server_ty as #rt_ty::HasClient>::Client),
        init: quote_spanned!(span=> #rt_ty::client::<#server_ty>(&__perennial_registry, #key)),
        span,
        assert: Some(assert_server(cx, &server.ty)),
    }
}

crate::tree::parse::strict_parse!(Server);

#[cfg(test)]
mod tests;
