//! Tokens to the typed AST: the attribute's options, then the impl block's items sorted into
//! `init`, `terminate`, marked handlers and everything else.
//!
//! Parsing is forgiving: a mistake is recorded in [`Errors`] and parsing goes on, so that one
//! build reports every mistake. The helper attributes are stripped from the impl block here,
//! whatever else goes wrong, so that the block can always be emitted again.
//!
//! [`options`] reads the attribute's options, [`items`] sorts the functions, [`attrs`] takes the
//! helper attributes off them.

mod attrs;
mod items;
mod options;

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::Item;

use items::sort_items;
use options::parse_options;

use super::ast::Server;
use crate::errors::Errors;
use crate::text::type_name;

/// What the attribute was put on.
pub(crate) enum Parsed {
    /// An inherent impl block: the server.
    Server(Box<Server>),
    /// Anything else, to be emitted again as it was (helper attributes stripped from a trait
    /// impl); an error says what was expected.
    NotAServer(TokenStream),
}

/// Parses `#[gen_server(attr)] item`.
pub(crate) fn parse(attr: TokenStream, item: TokenStream, errors: &mut Errors) -> Parsed {
    let options = parse_options(attr, errors);
    let item = match syn::parse2::<Item>(item.clone()) {
        Ok(item) => item,
        Err(e) => {
            errors.push(e);
            return Parsed::NotAServer(item);
        }
    };
    let mut item = match item {
        Item::Impl(item) => item,
        other => {
            not_an_impl(&other, errors);
            return Parsed::NotAServer(other.into_token_stream());
        }
    };
    let sorted = sort_items(&mut item, errors);
    if let Some((path, for_token)) = &item.trait_ {
        errors.spanned(
            quote!(#path #for_token),
            format_args!(
                "#[gen_server] goes on an inherent impl (`impl {ty} {{ ... }}`), not on a trait \
                 impl: it writes the `impl GenServer for {ty}` itself; remove `{trait_} for`, \
                 or remove #[gen_server] to implement the trait by hand",
                ty = type_name(&item.self_ty),
                trait_ = type_name(path),
            ),
        );
        return Parsed::NotAServer(item.into_token_stream());
    }
    Parsed::Server(Box::new(Server::new(options, item, sorted)))
}

fn not_an_impl(item: &Item, errors: &mut Errors) {
    let (what, tokens) = match item {
        Item::Struct(s) => ("a struct", pair(&s.struct_token, &s.ident)),
        Item::Enum(e) => ("an enum", pair(&e.enum_token, &e.ident)),
        Item::Union(u) => ("a union", pair(&u.union_token, &u.ident)),
        Item::Fn(f) => ("a function", pair(&f.sig.fn_token, &f.sig.ident)),
        Item::Trait(t) => ("a trait", pair(&t.trait_token, &t.ident)),
        Item::Mod(m) => ("a module", pair(&m.mod_token, &m.ident)),
        other => ("this item", first_tokens(other)),
    };
    let help = match item {
        Item::Struct(s) => format!(" of the state: `impl {} {{ ... }}`", s.ident),
        Item::Enum(e) => format!(" of the state: `impl {} {{ ... }}`", e.ident),
        _ => " of the server's state: `impl MyServer { ... }`".to_owned(),
    };
    errors.spanned(
        tokens,
        format_args!(
            "#[gen_server] goes on the inherent impl block that holds a server's handlers, \
             not on {what}; put it on the impl block{help}"
        ),
    );
}

fn pair(a: &impl ToTokens, b: &impl ToTokens) -> TokenStream {
    quote!(#a #b)
}

/// The first two tokens of an item, to point at without underlining its whole body.
fn first_tokens(item: &Item) -> TokenStream {
    item.to_token_stream()
        .into_iter()
        .filter(|t| !matches!(t, TokenTree::Punct(p) if p.as_char() == '#'))
        .filter(|t| !matches!(t, TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Bracket))
        .take(2)
        .collect()
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    pub(super) fn parse_ok(attr: TokenStream, item: TokenStream) -> Server {
        let mut errors = Errors::default();
        match parse(attr, item, &mut errors) {
            Parsed::Server(server) => {
                assert!(errors.is_empty(), "{:?}", errors.messages());
                *server
            }
            Parsed::NotAServer(_) => panic!("not a server: {:?}", errors.messages()),
        }
    }

    pub(super) fn parse_errors(attr: TokenStream, item: TokenStream) -> (Vec<String>, TokenStream) {
        let mut errors = Errors::default();
        let emitted = match parse(attr, item, &mut errors) {
            Parsed::Server(server) => server.item.into_token_stream(),
            Parsed::NotAServer(tokens) => tokens,
        };
        (errors.messages(), emitted)
    }

    #[test]
    fn other_items_are_refused_and_given_back() {
        let (errors, emitted) = parse_errors(
            quote!(),
            quote!(
                struct Counter {
                    n: i64,
                }
            ),
        );
        assert_eq!(
            errors,
            [
                "#[gen_server] goes on the inherent impl block that holds a server's handlers, not \
              on a struct; put it on the impl block of the state: `impl Counter { ... }`"
            ]
        );
        assert_eq!(
            emitted.to_string(),
            quote!(
                struct Counter {
                    n: i64,
                }
            )
            .to_string()
        );

        let (errors, emitted) =
            parse_errors(quote!(), quote!(impl Tr for S { #[call] fn f(&self) {} }));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("remove `Tr for`"), "{}", errors[0]);
        assert!(!emitted.to_string().contains("call"));

        let (errors, emitted) = parse_errors(quote!(), quote!(this is not an item));
        assert_eq!(errors.len(), 1);
        assert_eq!(emitted.to_string(), "this is not an item");
    }
}
