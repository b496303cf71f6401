//! `name: task(function, args) { options }`.

use proc_macro2::Delimiter;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Expr, parenthesized, token};

use crate::text::type_name;
use crate::tree::ast::{InitArg, Task};
use crate::tree::options::{Options, Place};
use crate::tree::parse::{ParseWith, State, exprs, kw};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::tree::ast::{Node, bare_ident};
use crate::tree::expand::args::Field;
use crate::tree::expand::args::args;
use crate::tree::expand::cx::{Cx, at};
use crate::tree::expand::names;

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
        let options = Options::read_next(input, Delimiter::Brace, Place::Task, state)?;
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

/// `ChildSpec::task(name, move || { let a = fresh_args(&arg); task_future(f(a, ..)) })`: the function is
/// evaluated once and called at each (re)start with clones of the arguments. The whole spec is
/// located at the function, where the runtime's bounds on the future (`Send`, its output) are
/// reported; each argument at itself.
///
/// An argument that is the bare word `shutdown` is the task's shutdown token: the spec is then
/// `ChildSpec::task_with_shutdown(name, move |token| ..)` and the token is passed there (a
/// mismatch with the function's parameter lands on the word).
pub(crate) fn spec(
    cx: &Cx,
    name: &Ident,
    task: &Task,
    siblings: &[Node],
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    let function = &task.function;
    let fn_span = at(function.span());
    let rt = cx.rt_at(fn_span);
    let var = names::var_at(name, fn_span);
    // Checked to be a function here, at it: when it is not, `#var` is of an unknown type, and
    // its call below reports nothing more.
    eager.push(quote_spanned!(fn_span=> let #var = #rt::task_function(#function);));
    let token = format_ident!("__perennial_shutdown", span = fn_span);
    fn is_token(arg: &InitArg) -> Option<&Ident> {
        match arg {
            InitArg::Expr(expr) => bare_ident(expr).filter(|ident| *ident == SHUTDOWN_ARG),
            InitArg::Sibling(_) => None,
        }
    }
    let plain: Vec<InitArg> = task
        .args
        .iter()
        .filter(|arg| is_token(arg).is_none())
        .cloned()
        .collect();
    let mut clients = TokenStream::new();
    let values = args(cx, name, &plain, siblings, false, eager, &mut clients);
    let mut values = values.iter().enumerate();
    let mut clones = TokenStream::new();
    let mut call_args = Vec::new();
    let mut takes_token = false;
    for arg in &task.args {
        if let Some(word) = is_token(arg) {
            takes_token = true;
            let span = at(word.span());
            call_args.push(quote_spanned!(span=> ::core::clone::Clone::clone(&#token)));
            continue;
        }
        let Some((index, (kept, span))) = values.next() else {
            continue;
        };
        let span = at(*span);
        let fresh = names::fresh_var(name, index, span);
        let rt_arg = cx.rt_at(span);
        clones.extend(quote_spanned!(span=> let #fresh = #rt_arg::fresh_args(&#kept);));
        call_args.push(quote!(#fresh));
    }
    let key = name.to_string();
    let spec = if takes_token {
        quote_spanned! {fn_span=>
            #rt::ChildSpec::task_with_shutdown(#key, move |#token: #rt::CancellationToken| {
                #clones
                #rt::task_future(#var(#(#call_args),*))
            })
        }
    } else {
        quote_spanned! {fn_span=>
            #rt::ChildSpec::task(#key, move || {
                #clones
                #rt::task_future(#var(#(#call_args),*))
            })
        }
    };
    if clients.is_empty() {
        spec
    } else {
        quote!({ #clients #spec })
    }
}

/// The word that passes a task its shutdown token: `task(f, shutdown, ..)`.
const SHUTDOWN_ARG: &str = "shutdown";

/// `ChildHandle`, through its supervisor `supervisor`.
pub(crate) fn field(cx: &Cx, name: &Ident, supervisor: &Ident) -> Field {
    let rt = &cx.rt;
    let key = name.to_string();
    Field {
        doc: format!(
            " The task `{key}`: its status and restart count, and a way to terminate and restart it, through its supervisor `{supervisor}`."
        ),
        ty: quote!(#rt::ChildHandle),
        init: quote!(#rt::ChildHandle::new(
            ::core::clone::Clone::clone(&__perennial_supervisor),
            #key
        )),
        span: proc_macro2::Span::call_site(),
        assert: None,
    }
}

crate::tree::parse::strict_parse!(Task);
