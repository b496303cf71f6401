//! `name: supervisor(options) { children }`.

use proc_macro2::Group;
use syn::parse::ParseStream;
use syn::{braced, token};

use crate::tree::ast::Supervisor;
use crate::tree::options::{Options, Place};
use crate::tree::parse::{ParseWith, State, kw, nodes, resolve_siblings};

impl ParseWith for Supervisor {
    fn parse_with(input: ParseStream, state: &mut State) -> syn::Result<Supervisor> {
        let keyword: kw::supervisor = input.parse()?;
        let place = match state.nesting {
            0 => Place::Root,
            _ => Place::Supervisor,
        };
        let options = if input.peek(token::Paren) {
            Options::read(&input.parse::<Group>()?, place, state)
        } else {
            Options::default()
        };
        if !input.peek(token::Brace) {
            return Err(syn::Error::new(
                keyword.span,
                "a supervisor needs its children in `{ .. }` after it, as in `supervisor(strategy = one_for_one) { cache: Cache(1024) }`",
            ));
        }
        let content;
        let brace = braced!(content in input);
        if content.is_empty() {
            state.at(
                brace.span.join(),
                "a supervisor needs at least one child, as in `{ cache: Cache(1024) }`",
            );
        }
        state.nesting += 1;
        let mut children = nodes(&content, false, state);
        state.nesting -= 1;
        resolve_siblings(&mut children);
        // `supervisor { .. } { restart = .. }`: options after the children, reported by
        // validation, which knows whether this is the root.
        let options_after = if input.peek(token::Brace) {
            Some(input.parse::<Group>()?)
        } else {
            None
        };
        Ok(Supervisor {
            keyword: keyword.span,
            strategy: options.strategy,
            limits: options.limits,
            auto_shutdown: options.auto_shutdown,
            krate: options.krate,
            child: options.child,
            children,
            options_after,
        })
    }
}

crate::tree::parse::strict_parse!(Supervisor);
