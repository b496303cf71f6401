//! Tokens to the typed AST: the attribute's options, then the impl block's items sorted into
//! `init`, `terminate`, marked handlers and everything else.
//!
//! Parsing is forgiving: a mistake is recorded in [`Errors`] and parsing goes on, so that one
//! build reports every mistake. The helper attributes are stripped from the impl block here,
//! whatever else goes wrong, so that the block can always be emitted again.

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, ImplItem, Item, ItemImpl, Meta, Path, Token, Visibility};

use super::ast::{Callback, Handler, Items, Kind, Options, Server};
use crate::errors::Errors;
use crate::suggest::did_you_mean;
use crate::text::{Unknown, list, type_name};

/// The options `#[gen_server(...)]` takes.
pub(crate) const OPTIONS: &[&str] = &["vis", "client", "crate", "remote"];

/// The helper attributes, as written.
const HELPERS: &[&str] = &["call", "cast", "info", "handle_continue"];

/// Names people reach for from hand-written gen_servers (or OTP), and the helper they mean.
const ALIASES: &[(&str, &str)] = &[
    ("handle_call", "call"),
    ("handle_cast", "cast"),
    ("handle_info", "info"),
    ("continue_with", "handle_continue"),
    ("continue", "handle_continue"),
];

/// Attributes of the language and of common crates that are never a misspelt helper, even
/// when they are a few letters away from one.
const NOT_HELPERS: &[&str] = &[
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "deprecated",
    "must_use",
    "inline",
    "cold",
    "track_caller",
    "doc",
    "cfg",
    "cfg_attr",
    "test",
    "ignore",
    "instrument",
    "coverage",
];

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

/// The options: `key = value` pairs separated by commas. Each key is checked on its own, so
/// every bad option is reported.
fn parse_options(attr: TokenStream, errors: &mut Errors) -> Options {
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
                    pair(&eq, &value),
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
            errors.spanned(
                pair(&opt.key, &eq),
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

/// Sorts the impl's functions and strips the helper attributes from every item.
fn sort_items(item: &mut ItemImpl, errors: &mut Errors) -> Items {
    let mut sorted = Items {
        init: None,
        terminate: None,
        handlers: Vec::new(),
        unmarked: Vec::new(),
        fn_names: Vec::new(),
    };
    for (position, impl_item) in item.items.iter_mut().enumerate() {
        let what = match impl_item {
            ImplItem::Fn(_) => None,
            ImplItem::Const(_) => Some("an associated const"),
            ImplItem::Type(_) => Some("an associated type"),
            ImplItem::Macro(_) => Some("a macro invocation"),
            _ => continue,
        };
        let fn_name = match impl_item {
            ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        };
        let attrs = match impl_item {
            ImplItem::Fn(f) => &mut f.attrs,
            ImplItem::Const(c) => &mut c.attrs,
            ImplItem::Type(t) => &mut t.attrs,
            ImplItem::Macro(m) => &mut m.attrs,
            _ => continue,
        };
        let (markers, by_name) = take_helper_attrs(attrs, fn_name.as_deref(), errors);
        if let Some(what) = what {
            for (kind, marker) in markers {
                errors.spanned(
                    marker,
                    format_args!(
                        "#[{}] marks a method that handles a message; it cannot go on {what}",
                        kind.attr_name()
                    ),
                );
            }
            continue;
        }
        let ImplItem::Fn(f) = impl_item else {
            continue;
        };
        sorted.fn_names.push((position, f.sig.ident.clone()));
        let callback = Callback {
            position,
            sig: f.sig.clone(),
            docs: f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .cloned()
                .collect(),
            cfgs: f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("cfg"))
                .cloned()
                .collect(),
        };
        let name = f.sig.ident.to_string();
        let mut markers = markers.into_iter();
        let first = markers.next();
        for (kind, marker) in markers {
            match &first {
                Some((k, _)) if *k == kind => errors.spanned(
                    marker,
                    format_args!("`{name}` is marked #[{}] twice; keep one", kind.attr_name()),
                ),
                Some((k, _)) => errors.spanned(
                    marker,
                    format_args!(
                        "`{name}` is marked both #[{}] and #[{}]; keep one: {}",
                        k.attr_name(),
                        kind.attr_name(),
                        one_of(*k, kind),
                    ),
                ),
                None => {}
            }
        }
        // `#[init] fn setup(..)`: reported where the attribute is taken; the method is taken as
        // the callback it was marked as, so that nothing else is reported about it.
        let name = match by_name {
            Some(callback) if first.is_none() => callback.to_owned(),
            _ => name,
        };
        match (name.as_str(), first) {
            ("init" | "terminate", Some((kind, marker))) => {
                errors.spanned(
                    marker,
                    format_args!(
                        "`{name}` is the server's {name} callback, found by its name; it cannot \
                         also be a #[{}] handler: remove the attribute, or rename the method",
                        kind.attr_name()
                    ),
                );
                // Still the callback, so that it is not also reported missing.
                if name == "init" {
                    sorted.init.get_or_insert(callback);
                } else {
                    sorted.terminate.get_or_insert(callback);
                }
            }
            ("init", None) if sorted.init.is_none() => sorted.init = Some(callback),
            ("terminate", None) if sorted.terminate.is_none() => sorted.terminate = Some(callback),
            (_, Some((kind, marker))) => sorted.handlers.push(Handler {
                kind,
                marker,
                func: callback,
            }),
            (_, None) => sorted.unmarked.push(callback),
        }
    }
    sorted
}

/// How to choose between two kinds of handler.
fn one_of(a: Kind, b: Kind) -> &'static str {
    match (a, b) {
        (Kind::Call, Kind::Cast) | (Kind::Cast, Kind::Call) => {
            "#[call] if the caller waits for a reply, #[cast] if it does not"
        }
        _ => {
            "#[call] and #[cast] handle requests from the client, #[info] the server's other \
             messages, #[handle_continue] the continues it asks for itself, #[down] the news of \
             the processes it monitors"
        }
    }
}

/// Removes the helper attributes (and near-misses of them, which are reported) from `attrs`,
/// returning the kinds they mark with their spans, and the callback (`init`, `terminate`) an
/// attribute such as `#[init]` (reported: callbacks are found by name) took the method for.
fn take_helper_attrs(
    attrs: &mut Vec<Attribute>,
    fn_name: Option<&str>,
    errors: &mut Errors,
) -> (Vec<(Kind, Attribute)>, Option<&'static str>) {
    let mut markers = Vec::new();
    let mut by_name = None;
    attrs.retain(|attr| {
        let Some(name) = attr.path().get_ident().map(Ident::to_string) else {
            return true;
        };
        if let Some(callback) = ["init", "terminate"].into_iter().find(|c| *c == name) {
            let fix = if fn_name == Some(callback) {
                format!("remove `#[{callback}]`")
            } else {
                format!("name the method `{callback}` and remove `#[{callback}]`")
            };
            errors.spanned(
                attr,
                format_args!(
                    "`{callback}` is not marked with an attribute: #[gen_server] finds it by its \
                     name; {fix}"
                ),
            );
            by_name = Some(callback);
            return false;
        }
        if let Some(kind) = Kind::from_attr_name(&name) {
            if !matches!(attr.meta, Meta::Path(_)) {
                errors.spanned(
                    &attr.meta,
                    format_args!("#[{name}] takes no arguments; write `#[{name}]`"),
                );
            }
            markers.push((kind, attr.clone()));
            return false;
        }
        if NOT_HELPERS.contains(&name.as_str()) {
            return true;
        }
        let alias = ALIASES.iter().find(|(a, _)| *a == name).map(|(_, h)| *h);
        let Some(near) = alias.or_else(|| did_you_mean(&name, HELPERS)) else {
            return true;
        };
        errors.spanned(
            attr.path(),
            Unknown::new("attribute", &name)
                .then(" on a gen_server method")
                .expected(format_args!("one of {}", list(HELPERS)))
                .nearest(Some(near)),
        );
        false
    });
    (markers, by_name)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn parse_ok(attr: TokenStream, item: TokenStream) -> Server {
        let mut errors = Errors::default();
        match parse(attr, item, &mut errors) {
            Parsed::Server(server) => {
                assert!(errors.is_empty(), "{:?}", errors.messages());
                *server
            }
            Parsed::NotAServer(_) => panic!("not a server: {:?}", errors.messages()),
        }
    }

    fn parse_errors(attr: TokenStream, item: TokenStream) -> (Vec<String>, TokenStream) {
        let mut errors = Errors::default();
        let emitted = match parse(attr, item, &mut errors) {
            Parsed::Server(server) => server.item.into_token_stream(),
            Parsed::NotAServer(tokens) => tokens,
        };
        (errors.messages(), emitted)
    }

    #[test]
    fn sorts_init_terminate_handlers_and_other_methods() {
        let server = parse_ok(
            quote!(),
            quote! {
                impl Counter {
                    async fn init(start: i64) -> Result<Self, E> { todo!() }
                    #[call] async fn add(&mut self, by: i64) -> i64 { todo!() }
                    /// Docs.
                    #[call] fn get(&self) -> i64 { todo!() }
                    #[cast] fn reset(&mut self, ctx: &mut Context<Self>) {}
                    #[info] fn on_tick(&mut self, tick: Tick) {}
                    #[handle_continue] fn resume(&mut self, step: Step) {}
                    async fn terminate(&mut self, reason: &ExitReason) {}
                    fn helper(&self) {}
                }
            },
        );
        assert!(server.init.is_some());
        assert!(server.terminate.is_some());
        let handlers: Vec<(Kind, String)> = server
            .handlers
            .iter()
            .map(|h| (h.kind, h.func.ident().to_string()))
            .collect();
        assert_eq!(
            handlers,
            [
                (Kind::Call, "add".to_owned()),
                (Kind::Call, "get".to_owned()),
                (Kind::Cast, "reset".to_owned()),
                (Kind::Info, "on_tick".to_owned()),
                (Kind::Continue, "resume".to_owned()),
            ]
        );
        let names: Vec<String> = server.fn_names.iter().map(|(_, n)| n.to_string()).collect();
        assert_eq!(
            names,
            [
                "init",
                "add",
                "get",
                "reset",
                "on_tick",
                "resume",
                "terminate",
                "helper"
            ]
        );
        assert_eq!(server.handlers[1].func.docs.len(), 1);
        assert!(server.handlers[0].func.is_async());
        assert!(!server.handlers[1].func.is_async());
    }

    #[test]
    fn strips_helper_attributes_and_keeps_the_rest() {
        let server = parse_ok(
            quote!(),
            quote! {
                impl Counter {
                    fn init() -> Self { todo!() }
                    #[call] #[inline] #[cfg(test)] fn get(&self) -> i64 { todo!() }
                }
            },
        );
        let emitted = server.item.into_token_stream().to_string();
        assert!(!emitted.contains("call"), "{emitted}");
        assert!(emitted.contains("inline"), "{emitted}");
        assert!(emitted.contains("cfg"), "{emitted}");
        assert_eq!(server.handlers[0].func.cfgs.len(), 1);
    }

    #[test]
    fn context_parameters_are_not_message_fields() {
        let server = parse_ok(
            quote!(),
            quote! {
                impl S {
                    fn init(a: u8, ctx: &mut perennial::Context<Self>, b: u16) -> Self { todo!() }
                }
            },
        );
        let init = server.init.expect("init");
        let fields: Vec<String> = init
            .message_params()
            .map(|pt| pt.pat.to_token_stream().to_string())
            .collect();
        assert_eq!(fields, ["a", "b"]);
        assert_eq!(init.params().count(), 3);
    }

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

    #[test]
    fn near_misses_of_helpers_are_reported_with_a_suggestion_and_stripped() {
        let (errors, emitted) = parse_errors(
            quote!(),
            quote! {
                impl S {
                    fn init() -> Self { S }
                    #[cal] fn a(&self) {}
                    #[handle_info] fn b(&mut self, m: u8) {}
                    #[inline] #[test] #[allow(dead_code)] fn c(&self) {}
                    #[my_own_attribute] fn d(&self) {}
                }
            },
        );
        assert_eq!(
            errors,
            [
                "unknown attribute `cal` on a gen_server method; expected one of `call`, `cast`, \
                 `info`, `handle_continue`; did you mean `call`?",
                "unknown attribute `handle_info` on a gen_server method; expected one of `call`, \
                 `cast`, `info`, `handle_continue`; did you mean `info`?",
            ]
        );
        let emitted = emitted.to_string();
        assert!(
            !emitted.contains("cal ]") && !emitted.contains("handle_info"),
            "{emitted}"
        );
        assert!(emitted.contains("my_own_attribute"), "{emitted}");
    }

    #[test]
    fn conflicting_and_misplaced_markers() {
        let (errors, _) = parse_errors(
            quote!(),
            quote! {
                impl S {
                    #[call] const X: u8 = 1;
                    #[call] fn init() -> Self { S }
                    #[call] #[cast] fn a(&self) {}
                    #[cast] #[cast] fn b(&self) {}
                    #[call(x)] fn c(&self) {}
                }
            },
        );
        assert_eq!(
            errors,
            [
                "#[call] marks a method that handles a message; it cannot go on an associated \
                 const",
                "`init` is the server's init callback, found by its name; it cannot also be a \
                 #[call] handler: remove the attribute, or rename the method",
                "`a` is marked both #[call] and #[cast]; keep one: #[call] if the caller waits \
                 for a reply, #[cast] if it does not",
                "`b` is marked #[cast] twice; keep one",
                "#[call] takes no arguments; write `#[call]`",
            ]
        );
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
