//! Validation on parsed trees: the messages of each check, and silence on valid trees.

use proc_macro2::TokenStream;
use quote::quote;

use super::*;
use crate::tree::names::invalid_name;
use crate::tree::parse::parse_tree;

/// Every message of parsing then validating `tokens`.
fn messages(tokens: TokenStream) -> Vec<String> {
    let mut errors = Errors::default();
    if let Some(tree) = parse_tree(tokens, &mut errors) {
        validate(&tree, &mut errors);
    }
    errors
        .finish()
        .err()
        .map(|error| error.into_iter().map(|e| e.to_string()).collect())
        .unwrap_or_default()
}

fn one_message(tokens: TokenStream) -> String {
    let messages = messages(tokens);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    messages.into_iter().next().unwrap_or_default()
}

#[test]
fn a_valid_tree_has_no_errors() {
    let none: Vec<String> = Vec::new();
    assert_eq!(
        messages(quote! {
            app: supervisor(strategy = one_for_one, max_restarts = 3, within = 5s) {
                cache: Cache(1024) { restart = permanent, shutdown = 5s,
                                     health = { interval = 30s, timeout = 5s, failures = 3 } },
                metrics: task(metrics_loop, port) { restart = transient },
                jobs: dynamic_supervisor<Job>(max_children = 100),
                db: supervisor(strategy = rest_for_one, backoff = { initial = 1s, factor = 1, max = 1s }) {
                    pool: DbPool(url.clone()),
                    writer: Writer(pool, jobs_count, (cache)),
                    jobs2: dynamic_supervisor<Job>(max_restarts = 0, children = { restart = temporary }),
                },
                quiet: supervisor(max_restarts = 0) { t: task(f) { restart = temporary } },
                limits: supervisor(max_restarts = 10000) { x1: X },
            }
        }),
        none
    );
}

#[test]
fn names_must_be_snake_case() {
    assert_eq!(
        one_message(quote!(app: supervisor { DbPool: DbPool() })),
        "`DbPool` is not a valid name: names are snake_case (lowercase ASCII letters and digits, words joined by single `_`, starting with a letter); did you mean `db_pool`?"
    );
    assert!(
        one_message(quote!(app: supervisor { _cache: Cache })).ends_with("did you mean `cache`?")
    );
    assert!(one_message(quote!(app: supervisor { a__b: Cache })).ends_with("did you mean `a_b`?"));
    assert!(
        one_message(quote!(app: supervisor { cache2_: Cache })).ends_with("did you mean `cache2`?")
    );
    assert!(one_message(quote!(app: supervisor { _: Cache })).ends_with("starting with a letter)"));
    assert!(one_message(quote!(App: supervisor { a: Cache })).ends_with("did you mean `app`?"));
}

#[test]
fn keywords_raw_identifiers_and_reserved_names_are_refused() {
    assert_eq!(
        one_message(quote!(app: supervisor { type: Cache })),
        "`type` is a Rust keyword and can't be a name (names become fields of the tree)"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { gen: Cache })),
        "`gen` is a Rust keyword and can't be a name (names become fields of the tree)"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { r#match: Cache })),
        "`r#match` is a raw identifier; a name is a plain snake_case identifier, such as `match_server`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { registry: Cache })),
        "the name `registry` is reserved: the tree has a method of that name; reserved names are `supervisor`, `join`, `start`, `start_in`, `spec`, `shutdown`, `registry`, `snapshot`, `subscribe`, `shutdown_on_signals`"
    );
    assert_eq!(invalid_name("events"), None, "not a method of the tree");
    assert_eq!(invalid_name("union"), None, "weak keywords are fine");
}

#[test]
fn duplicate_names_anywhere_are_shown_at_both_places() {
    assert_eq!(
        messages(quote!(app: supervisor { cache: A, db: supervisor { cache: B } })),
        [
            "the name `cache` is used twice; names are unique in the whole tree (they are registry names)",
            "`cache` is first declared here",
        ]
    );
    assert_eq!(
        messages(quote!(app: supervisor { app: A })).len(),
        2,
        "the root's name counts"
    );
}

#[test]
fn a_later_sibling_or_itself_is_not_a_client() {
    assert_eq!(
        messages(quote!(app: supervisor { writer: Writer(pool), pool: DbPool() })),
        [
            "`pool` is declared after `writer`: a child can only be passed the clients of siblings declared before it, as children start in order; to pass a local variable named `pool`, write `(pool)`",
            "`pool` is declared here",
        ]
    );
    assert_eq!(
        one_message(quote!(app: supervisor { writer: task(run, writer) })),
        "`writer` names the child itself, and a child can't be passed its own client; to pass a local variable named `writer`, write `(writer)`"
    );
}

#[test]
fn other_nodes_of_the_tree_are_not_clients() {
    assert_eq!(
        one_message(quote!(app: supervisor { db: supervisor { w: W(db) } })),
        "`db` is a supervisor above `w`, not a sibling: only earlier siblings can be passed as clients; to pass a local variable named `db`, write `(db)`"
    );
    assert_eq!(
        messages(quote!(app: supervisor { cache: C, db: supervisor { w: W(cache) } })),
        [
            "`cache` is not a sibling of `w`: only earlier siblings can be passed as clients; to pass a local variable named `cache`, write `(cache)`",
            "`cache` is declared here",
        ]
    );
    assert_eq!(
        one_message(quote!(app: supervisor { m: task(run), w: W(m) })),
        "`m` is a task child, which has no client to pass to `w`: only gen_server siblings are passed, as their typed clients; to pass a local variable named `m`, write `(m)`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { db: supervisor { a: A }, w: W(db) })),
        "`db` is a supervisor, which has no client to pass to `w`: only gen_server siblings are passed, as their typed clients; to pass a local variable named `db`, write `(db)`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { jobs: dynamic_supervisor<Job>, w: W(1, jobs) })),
        "`jobs` is a dynamic_supervisor, which has no client to pass to `w`: only gen_server siblings are passed, as their typed clients; to pass a local variable named `jobs`, write `(jobs)`"
    );
}

#[test]
fn header_parameters_are_named_once() {
    assert_eq!(
        messages(quote!(struct App(a: u8, b: u8, a: u16); app: supervisor { x: X(a, b) })),
        [
            "the parameter `a` is declared twice",
            "`a` is first declared here"
        ]
    );
}

#[test]
fn options_of_the_root() {
    assert_eq!(
        messages(
            quote!(app: supervisor(restart = permanent, shutdown = 1s, backoff = on) { a: A })
        ),
        [
            "`restart` has no effect on the root supervisor `app`: it has no parent to restart it",
            "`shutdown` has no effect on the root supervisor `app`: it has no parent to stop it (`shutdown()` on the tree does)",
            "`backoff` has no effect on the root supervisor `app`: it has no parent to delay its restarts",
        ]
    );
}

#[test]
fn restart_limits() {
    assert_eq!(
        one_message(quote!(app: supervisor(max_restarts = 10001) { a: A })),
        "`max_restarts` must be between 0 and 10000, found 10001"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(within = 0s) { a: A })),
        "`within` can't be zero: it is the window in which restarts are counted, as in `within = 5s`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(max_restarts = 0) {
            a: A, b: B { restart = temporary }, c: task(f) { restart = transient }, d: supervisor { e: E }
        })),
        "`max_restarts = 0` lets `app` restart no child, yet `a` (permanent), `c` (transient), `d` (permanent) would be restarted; allow at least 1 restart, or make them `restart = temporary`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { j: dynamic_supervisor<J>(max_restarts = 0) })),
        "`max_restarts = 0` lets `j` restart no child, yet its children are permanent; allow at least 1 restart, or write `children = { restart = temporary }`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { j: dynamic_supervisor<J>(max_children = 0) })),
        "`max_children` must be between 1 and 4294967295, found 0; leave it out for no limit"
    );
}

#[test]
fn durations_and_numbers_in_range() {
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { shutdown = 0ms } })),
        "`shutdown` can't be zero; to stop the child without waiting, write `shutdown = brutal_kill`"
    );
    assert_eq!(
        messages(
            quote!(app: supervisor { a: A { health = { interval = 0s, timeout = 0s, failures = 0 } } })
        ),
        [
            "`interval` can't be zero: it is the time between two pings",
            "`timeout` can't be zero: it is how long a ping may take",
            "`failures` must be between 1 and 1000, found 0: it is how many failed pings in a row restart the child",
        ]
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { health = { interval = 1s, timeout = 2s } } })),
        "`timeout = 2s` is longer than `interval = 1s`: a ping would still be pending when the next is sent"
    );
    assert_eq!(
        messages(
            quote!(app: supervisor { a: A { backoff = { initial = 2s, factor = 0.5, max = 1s } } })
        ),
        [
            "`factor` must be between 1 and 100, found 0.5: it multiplies the delay after each attempt (1 keeps it constant)",
            "`max = 1s` is shorter than `initial = 2s`: the delay grows from `initial` up to `max`",
        ]
    );
    assert_eq!(
        one_message(
            quote!(app: supervisor { j: dynamic_supervisor<J>(children = { health = { failures = 1001 } }) })
        ),
        "`failures` must be between 1 and 1000, found 1001: it is how many failed pings in a row restart the child"
    );
}

#[test]
fn parse_and_validation_errors_come_together() {
    let messages = messages(quote! {
        app: supervisor(strategy = one_for_al) {
            cache: Cache(1) { restart = sometimes },
            cache: Cache(2),
            writer: Writer(pool),
            pool: Pool(),
        }
    });
    assert_eq!(messages.len(), 6, "{messages:#?}");
}

#[test]
fn significant_children_follow_otp() {
    let none: Vec<String> = Vec::new();
    assert_eq!(
        messages(quote! {
            app: supervisor(auto_shutdown = any_significant) {
                main: task(run) { restart = transient, significant = true },
                helper: Cache(1),
                job: supervisor(auto_shutdown = all_significant, restart = temporary, significant = true) {
                    a: Cache(1) { restart = temporary, significant = true },
                    b: Cache(1) { significant = false },
                },
            }
        }),
        none
    );
    assert_eq!(
        one_message(quote! {
            app: supervisor(auto_shutdown = any_significant) {
                main: Cache(1) { significant = true },
            }
        }),
        "a permanent child can't be `significant`: `main` would be restarted whatever its exit, so it never ends by itself; make it `restart = transient` (ended for good by a normal exit) or `restart = temporary`"
    );
    assert_eq!(
        one_message(quote! {
            app: supervisor {
                main: Cache(1) { restart = transient, significant = true },
            }
        }),
        "`significant` has no effect: supervisor `app` has no `auto_shutdown`; give it `auto_shutdown = any_significant` (or `all_significant`) to shut down when `main` ends"
    );
    assert_eq!(
        messages(quote! {
            app: supervisor(auto_shutdown = never) {
                main: Cache(1) { significant = true },
            }
        })
        .len(),
        2,
        "both rules are reported"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(significant = true) { c: Cache(1) })),
        "`significant` has no effect on the root supervisor `app`: it has no parent to shut down when it ends (the tree ends with it)"
    );
    assert_eq!(
        one_message(quote! {
            app: supervisor { jobs: dynamic_supervisor<Job>(auto_shutdown = any_significant) }
        }),
        "a dynamic_supervisor has no `auto_shutdown`: it does not shut down when its children end (OTP refuses it for simple_one_for_one); allowed here: `max_children`, `max_restarts`, `within`, `restart`, `shutdown`, `backoff`, `children`, `significant`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(auto_shutdown = any_significnt) { c: Cache(1) })),
        "unknown auto_shutdown `any_significnt`; expected one of `never`, `any_significant`, `all_significant`; did you mean `any_significant`?"
    );
    assert_eq!(
        one_message(
            quote!(app: supervisor(auto_shutdown = any_significant) { c: Cache(1) { significant = yes } })
        ),
        "unknown boolean `yes`; expected one of `true`, `false`; if `yes` is a variable of type `bool`, write `significant = (yes)`"
    );
}
