//! `supervision_tree!`: parse -> validate -> expand.
//!
//! # Grammar
//!
//! ```text
//! tree        = node [","] ;                     (* one root, a supervisor *)
//! node        = name ":" kind ;
//! kind        = supervisor | dynamic | task | server ;
//! supervisor  = "supervisor" ["(" options ")"] "{" node {"," node} [","] "}" ;
//! dynamic     = "dynamic_supervisor" "<" TYPE ">" ["(" options ")"] ["{" options "}"] ;
//! task        = "task" "(" EXPR {"," EXPR} [","] ")" ["{" options "}"] ;
//! server      = TYPE_PATH ["(" [EXPR {"," EXPR} [","]] ")"] ["{" options "}"] ;
//! options     = [option {"," option} [","]] ;
//! option      = IDENT "=" value ;
//! value       = IDENT | INTEGER | FLOAT | DURATION | "{" options "}" ;
//! DURATION    = an integer literal suffixed with its unit: ms | s | m | h   (500ms, 5s, 1m, 2h)
//! ```
//!
//! `( .. )` after `supervisor`/`dynamic_supervisor` holds the supervisor's own options; `{ .. }`
//! after a gen_server, a task or a dynamic supervisor holds options of that child (for a dynamic
//! supervisor: of the children it starts at run time). The first expression of `task( .. )` is
//! the function (a path to an `async fn`, or a closure), the rest are its arguments. A single
//! lowercase identifier in kind position (with or without `<..>`) is read as a misspelt kind, so
//! a gen_server type is written with its usual `CamelCase` name (or as a path). The root has no
//! parent, so `restart`, `shutdown` and `backoff` are refused on it.
//!
//! # Names
//!
//! Every node (the root included) has a name, unique in the whole tree: it is the child's
//! registry name and a field of the tree the expansion returns. A name is snake_case ASCII
//! (`[a-z][a-z0-9]*(_[a-z0-9]+)*`), not a Rust keyword, not a raw identifier, and not one of
//! [`validate::RESERVED`] (the tree's own methods: `shutdown`, `registry`, `supervisor`, ..).
//!
//! # Init arguments
//!
//! Ordinary expressions, evaluated where the macro is called; they may use local variables. An
//! argument that is nothing but an identifier naming an **earlier sibling** is that sibling's
//! typed client. A bare identifier naming any other node of the tree (a later sibling, the child
//! itself, a parent, a cousin) is an error, since it reads as a client it cannot be; to pass a
//! local variable with such a name, write it as `(name)` or `{ name }`. A task has no client, so
//! it can't be passed.
//!
//! # Options
//!
//! | option         | where                                | values                                   | default |
//! |----------------|--------------------------------------|------------------------------------------|---------|
//! | `strategy`     | supervisor                           | `one_for_one`, `one_for_all`, `rest_for_one` | `one_for_one` |
//! | `max_restarts` | supervisor, dynamic_supervisor       | `0..=10000` (0: only if every child is `temporary`) | 3 |
//! | `within`       | supervisor, dynamic_supervisor       | a duration > 0                           | `5s` |
//! | `max_children` | dynamic_supervisor                   | `1..=4294967295`                          | no limit |
//! | `restart`      | every child (not the root)           | `permanent`, `transient`, `temporary`    | `permanent` |
//! | `shutdown`     | every child (not the root)           | `brutal_kill`, `infinity`, a duration > 0 | 5s; `infinity` for supervisors |
//! | `backoff`      | every child (not the root)           | `off`, `on`, `{ initial = d, factor = n, max = d }` | `off` |
//! | `health`       | gen_server child, dynamic_supervisor's `{ .. }` | `off`, `on`, `{ interval = d, timeout = d, failures = n }` | `on` |
//!
//! Inside `backoff`: `initial` and `max` are durations > 0 with `max >= initial`; `factor` is a
//! number in `1..=100`. Inside `health`: `interval` and `timeout` are durations > 0 with
//! `timeout <= interval`; `failures` is in `1..=1000`. `on` means "with the default settings".
//! Options left out take the runtime's defaults; the AST keeps them as `None`. (The runtime's
//! `Backoff` has no defaults: the expansion picks them for `backoff = on` and for left-out
//! fields.)
//!
//! `max_restarts = 0` is refused unless every child of that supervisor is `temporary`: with it,
//! the first restart of any child stops the supervisor, so a `permanent` or `transient` child
//! would in fact never be restarted. For a dynamic supervisor the children's restart type is
//! the one in its `{ .. }`.
//!
//! # Errors
//!
//! Parsing recovers (a bad option is left out, an unreadable child is skipped to the next `,`),
//! then validation runs on what was read, so one build reports every independent mistake, each
//! at the user's token (both places for a duplicate). All of them are emitted as
//! `compile_error!`s in one block, which also keeps code around the call (`.start().await?`)
//! from adding errors of its own.

mod ast;
mod duration;
mod errors;
mod options;
mod parse;
#[cfg(test)]
mod tests;
mod validate;

use proc_macro2::{Span, TokenStream};
use quote::quote;

use errors::Errors;

pub(crate) fn entry(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if let Some(tree) = parse::parse_tree(input, &mut errors) {
        validate::validate(&tree, &mut errors);
    }
    let error = match errors.finish() {
        Err(error) => error,
        Ok(()) => syn::Error::new(
            Span::call_site(),
            "supervision_tree! expansion is not implemented yet",
        ),
    };
    let errors = error.into_iter().map(|error| error.to_compile_error());
    // A block whose value is the last error: its type is the compiler's error type, so code
    // around the macro call (`.start().await?`) adds no errors of its own.
    quote! {{ #(#errors);* }}
}
