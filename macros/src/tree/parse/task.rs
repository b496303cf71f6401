//! `name: task(function, args) { options }`.

use proc_macro2::Group;
use syn::parse::ParseStream;
use syn::{parenthesized, token};

use super::{ParseWith, exprs, kw};
use crate::tree::ast::{InitArg, Task};
use crate::tree::errors::Errors;
use crate::tree::options::{Options, Place};

const NEEDS_FUNCTION: &str = "a task needs a function to run: `task(my_async_fn, args..)`, called with the arguments at each start";

impl ParseWith for Task {
    fn parse_with(input: ParseStream, errors: &mut Errors) -> syn::Result<Task> {
        let keyword: kw::task = input.parse()?;
        if !input.peek(token::Paren) {
            return Err(syn::Error::new(keyword.span, NEEDS_FUNCTION));
        }
        let content;
        let paren = parenthesized!(content in input);
        let mut exprs = exprs(&content)?.into_iter();
        let Some(function) = exprs.next() else {
            return Err(syn::Error::new(paren.span.join(), NEEDS_FUNCTION));
        };
        let options = if input.peek(token::Brace) {
            Options::read(&input.parse::<Group>()?, Place::Task, errors)
        } else {
            Options::default()
        };
        Ok(Task {
            function,
            args: exprs.map(InitArg::Expr).collect(),
            child: options.child,
        })
    }
}

super::strict_parse!(Task);
