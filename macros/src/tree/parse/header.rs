//! `#[attrs] pub struct App(cache_size: usize, url: String);`: the optional header of the item
//! form, naming the tree's type and the parameters of its `start`.

use syn::parse::ParseStream;
use syn::{
    Attribute, Generics, Ident, Token, Type, Visibility, WhereClause, braced, parenthesized, token,
};

use super::State;
use super::{ParseWith, skip_to_comma};
use crate::tree::ast::{Header, Param};

const FORM: &str = "`pub struct App(cache_size: usize);`";

/// The header starts here: attributes, a visibility, or an item keyword (not a node named so).
pub(crate) fn starts_header(input: ParseStream) -> bool {
    input.peek(Token![#])
        || input.peek(Token![pub])
        || input.peek(Token![struct])
        || (item_keyword(input) && !input.peek2(Token![:]))
}

/// An item keyword other than `struct`, which a header may have been written with by mistake.
fn item_keyword(input: ParseStream) -> bool {
    input.peek(Token![enum])
        || input.peek(Token![fn])
        || input.peek(Token![type])
        || input.peek(Token![union])
        || input.peek(Token![trait])
        || input.peek(Token![impl])
}

impl ParseWith for Header {
    fn parse_with(input: ParseStream, state: &mut State) -> syn::Result<Header> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if input.peek(Token![struct]) {
            input.parse::<Token![struct]>()?;
        } else {
            let error = input.error(format!(
                "expected `struct`: the header of a tree names its type as a struct, as in {FORM}"
            ));
            // Another item keyword: reported, and read as if it were `struct`.
            if !item_keyword(input) {
                return Err(error);
            }
            state.push(error);
            input.parse::<proc_macro2::TokenTree>()?;
        }
        let ident: Ident = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                format!("expected the name of the tree's type after `struct`, as in {FORM}"),
            )
        })?;
        if input.peek(Token![<]) {
            let generics: Generics = input.parse()?;
            state.spanned(
                &generics,
                format!(
                    "a tree's type can't be generic: its parameters are values, written in `( .. )`, as in {FORM}"
                ),
            );
        }
        let braced = input.peek(token::Brace);
        let params = if input.peek(token::Paren) {
            let content;
            parenthesized!(content in input);
            params(&content, state)
        } else if input.peek(token::Brace) {
            let content;
            let brace = braced!(content in input);
            let _ = content.parse::<proc_macro2::TokenStream>();
            state.at(
                brace.span.join(),
                format!(
                    "a tree's parameters are written in `( .. )`, like a function's, as in {FORM}; its fields are its children"
                ),
            );
            Vec::new()
        } else {
            Vec::new()
        };
        if input.peek(Token![where]) {
            let clause: WhereClause = input.parse()?;
            state.spanned(
                &clause,
                "a tree's type can't be generic, so it has no `where` clause",
            );
        }
        if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
        } else if !braced {
            // (A struct written with braces, already reported, has no `;` in Rust either.)
            state.push(input.error(format!(
                "expected `;` after the header `struct {ident}(..)`, then the tree, as in {FORM} `app: supervisor {{ .. }}`"
            )));
        }
        Ok(Header {
            attrs,
            vis,
            ident,
            params,
        })
    }
}

super::strict_parse!(Header);

/// `name: Type` separated by commas; a malformed one is reported and skipped.
fn params(content: ParseStream, state: &mut State) -> Vec<Param> {
    let mut params = Vec::new();
    while !content.is_empty() {
        match param(content) {
            Ok(param) => params.push(param),
            Err(error) => {
                state.push(error);
                skip_to_comma(content);
            }
        }
        if content.is_empty() {
            break;
        }
        if !content.peek(Token![,]) {
            state.push(content.error("expected `,` between two parameters"));
            skip_to_comma(content);
        }
        // Only a comma (or nothing) can be next, so this never fails.
        let _ = content.parse::<Option<Token![,]>>();
    }
    params
}

fn param(input: ParseStream) -> syn::Result<Param> {
    if input.peek(Token![self]) {
        return Err(input.error(
            "`self` can't be a parameter of a tree: parameters are the values passed to its `start(..)`, written `name: Type`",
        ));
    }
    if input.peek(Token![mut]) {
        return Err(input.error(
            "write the parameter without `mut`: it is only read, to make the init arguments",
        ));
    }
    let name: Ident = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected a parameter `name: Type`, as in `cache_size: usize`",
        )
    })?;
    if !input.peek(Token![:]) || input.peek(Token![::]) {
        return Err(syn::Error::new(
            name.span(),
            format!("the parameter `{name}` needs a type: `{name}: Type`, as in `{name}: usize`"),
        ));
    }
    input.parse::<Token![:]>()?;
    let ty: Type = input.parse()?;
    if let Type::Reference(reference) = &ty
        && reference
            .lifetime
            .as_ref()
            .is_none_or(|lifetime| lifetime.ident != "static")
    {
        return Err(syn::Error::new_spanned(
            &ty,
            format!(
                "the parameter `{name}` borrows, but the tree keeps its init arguments for restarts: take an owned value (`String` rather than `&str`) or a `&'static` one"
            ),
        ));
    }
    Ok(Param { name, ty })
}

#[cfg(test)]
mod tests;
