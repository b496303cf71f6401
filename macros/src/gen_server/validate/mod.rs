//! Every rule the parsed AST must follow before it can be expanded, each broken rule reported
//! at the user's offending token with what is wrong and what to write instead.
//!
//! What the macro cannot see (whether a type is `Send`, whether `init`'s error type is an
//! `Error`) is left to the type checker; `expand` arranges for those errors to land on the
//! user's types too.
//!
//! One module per concern: [`server`] (the impl block itself), [`callbacks`] (`init` and
//! `terminate`), [`handlers`] (the marked handlers), [`signature`] (what every callback's
//! receiver and parameters must be), [`owned`] (what travels between tasks), [`names`] (the
//! names callbacks are found by, and those the generated code takes); [`ctx`] holds the names
//! the messages use.

mod callbacks;
mod ctx;
mod handlers;
mod names;
mod owned;
mod server;
mod signature;

use syn::Ident;

use callbacks::{check_init, check_terminate, missing_init};
use ctx::Ctx;
use handlers::{check_handler, second_single};
use names::{check_client_name, check_fn_name, check_unmarked};
use server::check_impl;

use super::ast::{Callback, Handler, Server};
use crate::errors::Errors;

/// Checks the whole server, reporting every broken rule, in the order of the source.
pub(crate) fn validate(server: &Server, errors: &mut Errors) {
    let ctx = Ctx::new(server);
    check_impl(server, errors);
    check_client_name(server, errors);
    if server.init.is_none() {
        missing_init(server, &ctx, errors);
    }
    check_unmarked(server, errors);

    enum Item<'a> {
        Init(&'a Callback),
        Terminate(&'a Callback),
        Handler(&'a Handler),
        Name(&'a Ident),
    }
    let mut items: Vec<(usize, Item)> = Vec::new();
    items.extend(server.init.iter().map(|f| (f.position, Item::Init(f))));
    items.extend(
        server
            .terminate
            .iter()
            .map(|f| (f.position, Item::Terminate(f))),
    );
    items.extend(
        server
            .handlers
            .iter()
            .map(|h| (h.func.position, Item::Handler(h))),
    );
    items.extend(
        server
            .fn_names
            .iter()
            .map(|(p, name)| (*p, Item::Name(name))),
    );
    items.sort_by_key(|(position, _)| *position);

    let mut first_of_kind: Vec<&Handler> = Vec::new();
    for (_, item) in items {
        match item {
            Item::Init(init) => check_init(init, server.init_output.as_ref(), &ctx, errors),
            Item::Terminate(terminate) => check_terminate(terminate, errors),
            Item::Handler(handler) => {
                check_handler(handler.kind, &handler.func, &ctx, errors);
                if let Some(first) = first_of_kind.iter().find(|h| h.kind == handler.kind)
                    && !handler.kind.on_client()
                {
                    second_single(first, handler, errors);
                } else {
                    first_of_kind.push(handler);
                }
            }
            Item::Name(name) => check_fn_name(name, &ctx, errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::*;
    use crate::gen_server::parse::{Parsed, parse};

    /// Parses and validates an impl block; the messages of every error, in order.
    pub(super) fn errors_of(item: TokenStream) -> Vec<String> {
        let mut errors = Errors::default();
        match parse(quote!(), item, &mut errors) {
            Parsed::Server(server) => validate(&server, &mut errors),
            Parsed::NotAServer(_) => panic!("not a server"),
        }
        errors.messages()
    }

    #[test]
    fn a_valid_server_has_no_errors() {
        let errors = errors_of(quote! {
            impl Counter {
                async fn init(start: i64, ctx: &mut Context<Self>) -> Result<Self, E> { todo!() }
                #[call] async fn add(&mut self, mut by: i64) -> i64 { todo!() }
                #[call] fn get(&self) -> &'static str { todo!() }
                #[call] fn typed(self: &mut Self, job: Box<dyn Fn(&str) + Send>) {}
                #[cast] fn reset(&mut self, ctx: &mut Context<Self>) -> () {}
                #[info] fn tick(&mut self) {}
                #[handle_continue] fn resume(&mut self, step: Step) {}
                async fn terminate(&self) {}
                fn ping(&self) {} // not a handler: not on the client
            }
        });
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn errors_come_in_the_order_of_the_source() {
        let errors = errors_of(quote! {
            impl S {
                #[call] fn first(self) {}
                fn terminate(self) {}
                fn init(&self) -> Self { S }
                #[cast] fn last(&mut self, x: &str) {}
            }
        });
        let starts: Vec<&str> = errors.iter().map(|e| &e[..12]).collect();
        assert_eq!(
            starts,
            [
                "the #[call] ",
                "`terminate` ",
                "`init` build",
                "`&str` borro"
            ]
        );
    }
}
