//! `supervision_tree!`: parse -> validate -> expand.
//!
//! # Grammar
//!
//! ```text
//! input       = [header] tree ;
//! header      = {ATTRIBUTE} [VISIBILITY] "struct" IDENT ["(" [param {"," param} [","]] ")"] ";" ;
//! param       = IDENT ":" TYPE ;                 (* owned, or a `&'static` reference *)
//! tree        = node [","] ;                     (* one root, a supervisor *)
//! node        = name ":" kind ;
//! kind        = supervisor | dynamic | task | server ;
//! supervisor  = "supervisor" ["(" options ")"] "{" node {"," node} [","] "}" ;
//! dynamic     = "dynamic_supervisor" "<" TYPE ">" ["(" options ")"] ;   (* children = { .. } among them *)
//! task        = "task" "(" EXPR {"," EXPR} [","] ")" ["{" options "}"] ;
//! server      = TYPE_PATH ["(" [EXPR {"," EXPR} [","]] ")"] ["{" options "}"] ;
//! options     = [option {"," option} [","]] ;
//! option      = IDENT "=" value ;
//! value       = IDENT | INTEGER | FLOAT | DURATION | "{" options "}" | EXPR ;
//! DURATION    = an integer literal suffixed with its unit: ms | s | m | h   (500ms, 5s, 1m, 2h)
//! ```
//!
//! `( .. )` after `supervisor`/`dynamic_supervisor` holds the supervisor's own options (and how
//! its parent treats it); `{ .. }` after a gen_server or a task holds options of that child. A
//! dynamic supervisor's `( .. )` holds the options of the children it starts as
//! `children = { .. }`; a `{ .. }` after it is refused, as it would read both ways. The first expression of `task( .. )` is
//! the function (a path to an `async fn`, or a closure), the rest are its arguments. A single
//! lowercase identifier in kind position (with or without `<..>`) is read as a misspelt kind, so
//! a gen_server type is written with its usual `CamelCase` name (or as a path). The root has no
//! parent, so `restart`, `shutdown` and `backoff` are refused on it.
//!
//! The header (the item form) names the tree's type and the parameters of its `start`; it may
//! carry attributes (doc comments) and a visibility, and has no generics.
//!
//! # Names
//!
//! Every node (the root included) has a name, unique in the whole tree: it is the child's
//! registry name and a field of the tree the expansion returns. A name is snake_case ASCII
//! (`[a-z][a-z0-9]*(_[a-z0-9]+)*`), not a Rust keyword, not a raw identifier, and not one of
//! [`names::RESERVED`] (the tree's methods: `supervisor`, `join`, `shutdown`, `registry`, ..).
//!
//! # Init arguments
//!
//! Ordinary expressions, evaluated where the macro is called (in the item form: in
//! `App::spec(..)`, where the header's parameters are the local variables); they may use local
//! variables. Each is evaluated **once**, when the tree's spec is made, and every start and
//! restart of the child gets a clone, so arguments are `Clone + Send + Sync + 'static` (write
//! `url.clone()` to keep using `url`). A gen_server's arguments make its `Args`: none is `()`,
//! one is `Args` itself, several are a tuple (`#[gen_server]`'s convention). A task's function
//! (evaluated once too) is called with clones of its arguments at each start. An argument that
//! is nothing but an identifier naming an **earlier sibling** is that sibling's
//! typed client. A bare identifier naming any other node of the tree (a later sibling, the child
//! itself, a parent, a cousin) is an error, since it reads as a client it cannot be; to pass a
//! local variable with such a name, write it as `(name)` or `{ name }`. Only gen_server siblings
//! have a client: a task or a (dynamic) supervisor can't be passed.
//!
//! # Options
//!
//! The user's option table (every key, where it goes, its values and default) is `README.md`'s;
//! [`options`] reads them. Every option also takes a Rust expression of its runtime type, read by
//! the rule of [`options`]: a bare identifier is a word of the DSL for the options whose values
//! are words, and a variable for the others; literals and `{ .. }` are the DSL's; anything else
//! is an expression. An expression is kept in the AST as [`ast::Given::Expr`], evaluated once
//! into a local typed at the expression (so a wrong type is reported there), and checked by the
//! runtime at start (`SupervisorStartError::InvalidSpec`/`InvalidChild`); the literal checks skip
//! it. Options left out take the runtime's defaults; the AST keeps them as `None`. The runtime's
//! `Backoff` has no defaults, so the expansion picks them for `backoff = on` and for the fields
//! left out of `backoff = { .. }`.
//!
//! # Expansion
//!
//! Both forms expand through the same code ([`expand`]). The user's documentation of what
//! follows is `README.md`, on the macro itself.
//!
//! - **Expression form** (no header): a block whose value is a
//!   `perennial::tree::TreeSpec<T>`: `supervision_tree! { .. }.start().await?` is the started
//!   tree `T` (`.start_in(&registry)` shares a registry). `T` is declared inside the block, so it
//!   can't be named outside it.
//! - **Item form** (`pub struct App(cache_size: usize, url: String);` first): at module level,
//!   declares `App` with `App::spec(cache_size, url) -> TreeSpec<App>`,
//!   `App::start(cache_size, url).await -> Result<App, SupervisorStartError>` and
//!   `App::start_in(&registry, cache_size, url)`, plus a typed registry key per gen_server of the
//!   tree, its name in upper case (`App::CACHE: Key<Cache>`, for `app.registry().get(App::CACHE)`:
//!   a name the tree does not declare is a compile error, not a `None`).
//!
//! The started tree is a struct with one public field per child, named like the child:
//!
//! | child                          | field                                                  |
//! |--------------------------------|--------------------------------------------------------|
//! | gen_server `cache: Cache(..)`  | `<Cache as HasClient>::Client`, bound to the name `cache`: it survives restarts |
//! | `metrics: task(..)`            | `ChildHandle` (status, restart count, terminate, restart) |
//! | `db: supervisor { .. }`        | `App_db`: the same kind of struct, for `db`'s children  |
//! | `jobs: dynamic_supervisor<Job>`| `DynamicSupervisor<Job>` (`start_child(args)`)          |
//!
//! A nested supervisor's struct is named `<Root>_<name>` (`App_db`, however deep); in the
//! expression form the root's struct is the root's name in CamelCase (`app` -> `App`, or
//! `AppTree` if the input uses the identifier `App`). Every such struct has
//! `supervisor() -> &SupervisorHandle`, `join().await -> ExitReason` (how the supervisor ended:
//! `Shutdown`, or the escalation when it gave up), `Deref<Target = SupervisorHandle>` (so
//! `shutdown`, `subscribe`, `snapshot`, `shutdown_on_signals`, `which_children`, .. work on it),
//! `Clone` and `Debug`. A nested supervisor's handle is bound to its name, like the clients.
//!
//! Checks only the type checker can make are emitted at the user's tokens, with the
//! `on_unimplemented` messages of `GenServer`, `HasClient`, `IntoExitReason` and the runtime's
//! public `bounds` traits, each reported once: a child type that is not a gen_server (at the type),
//! init arguments that do not fit its `init` (at the argument; at the `( .. )` for several),
//! arguments that can't be cloned for restarts, a task's function that is not a function or not
//! async (at the function)
//! or whose arguments do not fit (at the argument), a dynamic supervisor's child type that is not a
//! gen_server or whose `Args` are not `Clone + Sync` (at the type).
//!
//! A tree's spec (and the future of its start) reaches its children before it is started,
//! through `Deref` to a struct of `NotStarted<..>` fields named like the started tree's, so that
//! `app.counter.get()` with `.start().await` forgotten is one error at `get`, saying to start the
//! tree and await it (`#[gen_server]` gives each client stand-ins of its methods bound by the
//! unimplemented `StartedChild`); `app.shutdown()` likewise (`StartedTree`).
//!
//! # Errors
//!
//! Parsing recovers (a bad option is left out, an unreadable child is skipped to the next `,`),
//! then validation runs on what was read, so one build reports every independent mistake, each
//! at the user's token (both places for a duplicate). All of them are emitted as
//! `compile_error!`s, next to a best-effort expansion of the rest of the tree (nodes with a bad
//! or taken name left out, arguments naming a node they can't pass replaced by a placeholder),
//! so that the tree's types still exist for the IDE and for the code around the call
//! (`.start().await?`, `app.cache`). When no tree could be read at all, the errors are a block
//! whose value has the compiler's error type, which adds no errors of its own either.

mod ast;
pub(crate) mod expand;
mod names;
mod node;
mod options;
mod parse;
#[cfg(test)]
mod tests;
mod validate;

use std::collections::HashSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

use crate::errors::Errors;

pub(crate) fn entry(input: TokenStream) -> TokenStream {
    let taken = identifiers(&input);
    let item_form = parse::is_item_form(&input);
    let mut errors = Errors::default();
    let tree = parse::parse_tree(input, &mut errors);
    if let Some(tree) = &tree {
        validate::validate(tree, &mut errors);
    }
    let error = match (errors.finish(), &tree) {
        (Ok(()), Some(tree)) => return expand::expand(tree, &taken),
        (Err(error), _) => error,
        // Parsing gave no tree without recording why: not reachable, but never a panic.
        (Ok(()), None) => syn::Error::new(
            proc_macro2::Span::call_site(),
            "supervision_tree! could not read this tree",
        ),
    };
    let errors = error.into_iter().map(|error| error.to_compile_error());
    match &tree {
        // The best-effort tree beside the errors, so that its types exist for the IDE and for
        // the code around the call.
        // A header that could not be read leaves no type to declare: only the errors.
        Some(tree) if item_form && tree.header.is_none() => quote! { #(#errors)* },
        Some(tree) => {
            let before = if item_form {
                quote! { #(#errors)* }
            } else {
                quote! { #(#errors;)* }
            };
            expand::expand_after(&expand::sanitize(tree), &taken, before)
        }
        None if item_form => quote! { #(#errors)* },
        // A block whose value is the last error: its type is the compiler's error type, so
        // code around the macro call (`.start().await?`) adds no errors of its own.
        None => quote! {{ #(#errors);* }},
    }
}

/// Every identifier of the input, however deep.
fn identifiers(input: &TokenStream) -> HashSet<String> {
    let mut found = HashSet::new();
    let mut stack = vec![input.clone()];
    while let Some(stream) = stack.pop() {
        for tree in stream {
            match tree {
                TokenTree::Ident(ident) => {
                    found.insert(ident.to_string());
                }
                TokenTree::Group(group) => stack.push(group.stream()),
                TokenTree::Punct(_) | TokenTree::Literal(_) => {}
            }
        }
    }
    found
}
