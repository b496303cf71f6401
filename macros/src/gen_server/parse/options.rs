//! The attribute's own options: `#[gen_server(vis = .., client = .., crate = .., remote)]`.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::{Ident, Path, Token, Visibility};

use crate::errors::Errors;
use crate::gen_server::ast::Options;
use crate::text::Unknown;

/// The options `#[gen_server(...)]` takes.
pub(crate) const OPTIONS: &[&str] = &["vis", "client", "crate", "remote"];

/// The options: `key = value` pairs separated by commas. Each key is checked on its own, so
/// every bad option is reported.
pub(super) fn parse_options(attr: TokenStream, errors: &mut Errors) -> Options {
    let mut options = Options::default();
    let raw = match Punctuated::<RawOption, Token![,]>::parse_terminated.parse2(attr) {
        Ok(raw) => raw,
        Err(e) => {
            errors.push(syn::Error::new(
                e.span(),
                format_args!(
                    "{e}; #[gen_server] takes options written `key = value` (or the flag \
                     `remote`), separated by commas: `vis = pub(crate)`, `client = \
                     CounterHandle`, `crate = ::perennial`, `remote`"
                ),
            ));
            return options;
        }
    };
    let mut seen: Vec<String> = Vec::new();
    for opt in raw {
        let key = opt.key.to_string();
        if !OPTIONS.contains(&key.as_str()) {
            errors.spanned(
                &opt.key,
                Unknown::new("#[gen_server] option", &key).one_of(OPTIONS),
            );
            continue;
        }
        if seen.contains(&key) {
            errors.spanned(
                &opt.key,
                format_args!("the #[gen_server] option `{key}` is given twice; keep one"),
            );
            continue;
        }
        seen.push(key.clone());
        if key == "remote" {
            // A flag: callable from other nodes (perennial's `cluster` feature).
            match opt.value {
                None => options.remote = Some(opt.key),
                Some((eq, value)) => errors.spanned(
                    quote!(#eq #value),
                    "`remote` is a flag and takes no value: write `#[gen_server(remote)]`",
                ),
            }
            continue;
        }
        let example = match key.as_str() {
            "vis" => "`vis = pub(crate)`",
            "client" => "`client = CounterHandle`",
            _ => "`crate = ::perennial`",
        };
        let Some((eq, value)) = opt.value else {
            errors.spanned(
                &opt.key,
                format_args!("the #[gen_server] option `{key}` needs a value: {example}"),
            );
            continue;
        };
        if value.is_empty() {
            let key_token = &opt.key;
            errors.spanned(
                quote!(#key_token #eq),
                format_args!("the #[gen_server] option `{key}` needs a value: {example}"),
            );
            continue;
        }
        let expected = match key.as_str() {
            "vis" => "a visibility such as `pub` or `pub(crate)`",
            "client" => "a name for the generated client type",
            _ => "the path of the `perennial` crate",
        };
        let bad_value = |errors: &mut Errors| {
            errors.spanned(&value, format_args!("`{key}` takes {expected}: {example}"))
        };
        match key.as_str() {
            "vis" => match syn::parse2::<Visibility>(value.clone()) {
                Ok(Visibility::Inherited) | Err(_) => bad_value(errors),
                Ok(vis) => options.vis = Some(vis),
            },
            "client" => match syn::parse2::<Ident>(value.clone()) {
                Ok(ident) => options.client = Some(ident),
                Err(_) => bad_value(errors),
            },
            _ => match syn::parse2::<Path>(value.clone()) {
                Ok(path) => options.krate = Some(path),
                Err(_) => bad_value(errors),
            },
        }
    }
    options
}

/// `key` or `key = tokens up to the next comma`.
struct RawOption {
    key: Ident,
    value: Option<(Token![=], TokenStream)>,
}

impl syn::parse::Parse for RawOption {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key = input.call(Ident::parse_any)?;
        if !input.peek(Token![=]) {
            return Ok(RawOption { key, value: None });
        }
        let eq: Token![=] = input.parse()?;
        let value = input.step(|cursor| {
            let mut rest = *cursor;
            let mut tokens = TokenStream::new();
            while let Some((tt, next)) = rest.token_tree() {
                if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                    break;
                }
                tokens.extend([tt]);
                rest = next;
            }
            Ok((tokens, rest))
        })?;
        Ok(RawOption {
            key,
            value: Some((eq, value)),
        })
    }
}

#[cfg(test)]
mod tests {
    use quote::{ToTokens, quote};

    use super::*;
    use crate::gen_server::parse::tests::{parse_errors, parse_ok};

    #[test]
    fn reads_the_options() {
        let server = parse_ok(
            quote!(vis = pub(crate), client = Handle, crate = ::my::perennial),
            quote!(impl S { fn init() -> Self { S } }),
        );
        let options = &server.options;
        assert_eq!(options.vis.to_token_stream().to_string(), "pub (crate)");
        assert_eq!(
            options.client.as_ref().map(Ident::to_string).as_deref(),
            Some("Handle")
        );
        assert_eq!(
            options.krate.to_token_stream().to_string(),
            ":: my :: perennial"
        );
    }

    #[test]
    fn reports_every_bad_option() {
        let (errors, _) = parse_errors(
            quote!(viz = pub, client = 1, vis = pub, vis = pub, crate, bogus = x, remote = yes),
            quote!(impl S { fn init() -> Self { S } }),
        );
        assert_eq!(
            errors,
            [
                "unknown #[gen_server] option `viz`; expected one of `vis`, `client`, `crate`, \
                 `remote`; did you mean `vis`?",
                "`client` takes a name for the generated client type: `client = CounterHandle`",
                "the #[gen_server] option `vis` is given twice; keep one",
                "the #[gen_server] option `crate` needs a value: `crate = ::perennial`",
                "unknown #[gen_server] option `bogus`; expected one of `vis`, `client`, `crate`, \
                 `remote`",
                "`remote` is a flag and takes no value: write `#[gen_server(remote)]`",
            ]
        );
    }

    #[test]
    fn remote_is_a_flag() {
        let server = parse_ok(
            quote!(remote, vis = pub(crate)),
            quote!(impl S { fn init() -> Self { S } }),
        );
        assert_eq!(
            server
                .options
                .remote
                .as_ref()
                .map(Ident::to_string)
                .as_deref(),
            Some("remote")
        );
    }

    #[test]
    fn options_that_do_not_parse_say_what_they_should_look_like() {
        let (errors, _) = parse_errors(quote!(= pub), quote!(impl S {}));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("`key = value`"), "{}", errors[0]);
    }
}
