//! `name: Type(init args) { options }`: a gen_server child.

use proc_macro2::Group;
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
        let options = if input.peek(token::Brace) {
            Options::read(&input.parse::<Group>()?, Place::Server, state)
        } else {
            Options::default()
        };
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

crate::tree::parse::strict_parse!(Server);
