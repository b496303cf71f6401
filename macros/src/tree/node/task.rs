//! `name: task(function, args) { options }`.

use proc_macro2::Group;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Expr, parenthesized, token};

use crate::text::type_name;
use crate::tree::ast::{InitArg, Task};
use crate::tree::options::{Options, Place};
use crate::tree::parse::{ParseWith, State, exprs, kw};

const NEEDS_FUNCTION: &str = "a task needs a function to run: `task(my_async_fn, args..)`, called with the arguments at each start";

impl ParseWith for Task {
    fn parse_with(input: ParseStream, state: &mut State) -> syn::Result<Task> {
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
        let args: Vec<syn::Expr> = exprs.collect();
        let function = match not_a_function(&function, &args) {
            Some(message) => {
                state.spanned(&function, message);
                // A stand-in that takes the arguments and runs nothing, so that the rest of the
                // tree still expands without state of its own.
                let params = args.iter().map(|_| quote::quote!(_));
                syn::parse_quote_spanned!(function.span()=> |#(#params),*| ::core::future::pending::<()>())
            }
            None => function,
        };
        let options = if input.peek(token::Brace) {
            Options::read(&input.parse::<Group>()?, Place::Task, state)
        } else {
            Options::default()
        };
        Ok(Task {
            function,
            args: args.into_iter().map(InitArg::Expr).collect(),
            child: options.child,
        })
    }
}

/// Why the first expression of `task( .. )` can't be the function to call at each start, when
/// its form alone says so: a future (`async { .. }`), or a call (`f(port)`) made once, here.
fn not_a_function(function: &Expr, args: &[Expr]) -> Option<String> {
    const EITHER: &str = "write `task(f, args..)` to call an `async fn` with its arguments, or `task(|| async { .. })`";
    let with = |f: &str, more: &[Expr]| {
        let all: Vec<String> = more.iter().chain(args).map(type_name).collect();
        if all.is_empty() {
            format!("`task({f})`")
        } else {
            format!("`task({f}, {})`", all.join(", "))
        }
    };
    match function {
        Expr::Async(_) => Some(
            "`task` takes a function that it calls at each (re)start, and an `async` block is a future that runs once; write `task(|| async { .. })` (`async move` to take what it uses)"
                .to_owned(),
        ),
        // `tokio::spawn(f())`, `f(g(x))`: no function and arguments to take apart.
        Expr::Call(call)
            if call.args.iter().any(|a| {
                matches!(
                    a,
                    Expr::Call(_) | Expr::MethodCall(_) | Expr::Async(_) | Expr::Await(_)
                )
            }) =>
        {
            Some(format!(
                "`{}` is run once, here, but `task` needs a function to call at each (re)start; {EITHER}",
                type_name(function)
            ))
        }
        Expr::Call(call) => {
            let args: Vec<Expr> = call.args.iter().cloned().collect();
            Some(format!(
                "`{}` calls the function once, here, but `task` calls it at each (re)start: pass the function and its arguments apart, as in {}",
                type_name(function),
                with(&type_name(&call.func), &args),
            ))
        }
        Expr::MethodCall(_) | Expr::Await(_) | Expr::Macro(_) => Some(format!(
            "`{}` is run once, here, but `task` needs a function to call at each (re)start; {EITHER}",
            type_name(function)
        )),
        Expr::Block(_) | Expr::Lit(_) | Expr::Tuple(_) | Expr::Array(_) | Expr::Struct(_) => Some(
            format!("`task` needs a function to call at each (re)start; {EITHER}"),
        ),
        _ => None,
    }
}

crate::tree::parse::strict_parse!(Task);
