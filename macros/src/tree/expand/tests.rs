//! The expansion: snapshots of whole expansions (prettyplease + insta, under
//! `macros/src/tree/snapshots/`), and unit tests of its parts.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::super::ast::Tree;
use super::super::entry;
use super::*;
use crate::test_support::{compact, pretty, snapshot};

fn tree(tokens: TokenStream) -> Tree {
    match syn::parse2::<Tree>(tokens) {
        Ok(tree) => tree,
        Err(error) => panic!(
            "{:?}",
            error.into_iter().map(|e| e.to_string()).collect::<Vec<_>>()
        ),
    }
}

fn expanded(tokens: TokenStream) -> String {
    pretty(entry(tokens))
}

/// The compact expansion, for `has`.
fn compact_expansion(tokens: TokenStream) -> String {
    compact(&entry(tokens).to_string())
}

/// `text` (compact) contains `part`, whitespace ignored.
#[track_caller]
fn has(text: &str, part: &str) -> bool {
    text.contains(&compact(part))
}

#[test]
fn snapshot_of_the_expression_form() {
    snapshot!(
        "expression_form",
        expanded(quote! {
            app: supervisor(strategy = one_for_one, max_restarts = 3, within = 5s) {
                cache: Cache(1024) { restart = permanent, shutdown = 5s,
                                     health = { interval = 30s, timeout = 5s, failures = 3 } },
                metrics: task(metrics_loop, port) { restart = transient },
                jobs: dynamic_supervisor<Job>(max_children = 100),
                db: supervisor(strategy = rest_for_one) {
                    pool: DbPool(url.clone()),
                    writer: Writer(pool),
                },
            }
        })
    );
}

#[test]
fn snapshot_of_the_item_form() {
    snapshot!(
        "item_form",
        expanded(quote! {
            /// The application.
            pub struct App(cache_size: usize, url: String);
            app: supervisor {
                cache: Cache(cache_size),
                db: supervisor {
                    pool: DbPool(url.clone()),
                    writer: Writer(pool, 3),
                    flusher: task(flush_loop, writer),
                },
            }
        })
    );
}

#[test]
fn snapshot_of_every_option() {
    snapshot!(
        "every_option",
        expanded(quote! {
            app: supervisor(strategy = one_for_all, max_restarts = 10, within = 1m) {
                a: A { restart = transient, shutdown = brutal_kill, health = off, backoff = on },
                b: B() { restart = transient, shutdown = infinity, health = { failures = 1 },
                         backoff = { initial = 1s, factor = 1.5, max = 1m } },
                c: task(|| async {}) { shutdown = 250ms, backoff = { initial = 20s } },
                d: supervisor(strategy = rest_for_one, within = 2s) { e: E(1, 2) },
                f: supervisor(max_restarts = 0) { g: G { restart = temporary } },
                jobs: dynamic_supervisor<Job>(max_children = 5, max_restarts = 1, within = 10s,
                    children = { restart = transient, shutdown = 1s, health = { interval = 1s, timeout = 1s }, backoff = on }),
            }
        })
    );
}

#[test]
fn snapshot_of_a_tree_with_mistakes() {
    snapshot!(
        "best_effort",
        expanded(quote! {
            app: supervisor(strategy = one_for_al) {
                cache: Cache(1024) { restart = sometimes },
                cache: Cache(64),
                Bad: Cache(1),
                db: supervisor { writer: Writer(pool), pool: DbPool(url.clone()), user: User(pool, cache) },
            }
        })
    );
}

/// The statements before the `TreeSpec`, and what is inside it.
fn split(expansion: &str) -> (&str, &str) {
    expansion
        .split_once("TreeSpec::<")
        .unwrap_or_else(|| panic!("no TreeSpec in {expansion}"))
}

#[test]
fn arguments_are_evaluated_before_the_spec_and_cloned_inside_it() {
    let expansion = compact_expansion(quote! {
        app: supervisor { pool: DbPool(url.clone()), writer: Writer(pool, 3) }
    });
    let (before, inside) = split(&expansion);
    assert!(
        has(
            before,
            "let __perennial_pool: <DbPool as ::perennial::__private::InitArgs>::Args = url.clone();"
        ),
        "{before}"
    );
    assert!(has(before, "let __perennial_writer_1 = 3;"), "{before}");
    // The sibling's client can only be made once the registry exists: inside the spec.
    assert!(
        !has(before, "client::<DbPool>(__perennial_registry"),
        "{before}"
    );
    assert!(
        has(
            inside,
            "let __perennial_writer_0 = ::perennial::__private::client::<DbPool>(__perennial_registry, \"pool\");"
        ),
        "{inside}"
    );
    assert!(
        has(
            inside,
            "let __perennial_writer: <Writer as ::perennial::__private::InitArgs>::Args = (__perennial_writer_0, __perennial_writer_1);"
        ),
        "{inside}"
    );
    assert!(has(inside, "fresh_args(&__perennial_pool)"), "{inside}");
    assert!(!has(inside, "url.clone()"), "{inside}");
}

#[test]
fn no_argument_is_the_unit_and_several_are_a_tuple() {
    let expansion = compact_expansion(quote!(app: supervisor { a: A, b: B(), c: C(1, "x") }));
    let (before, _) = split(&expansion);
    assert!(has(
        before,
        "let __perennial_a: <A as ::perennial::__private::InitArgs>::Args = ();"
    ));
    assert!(has(
        before,
        "let __perennial_b: <B as ::perennial::__private::InitArgs>::Args = ();"
    ));
    assert!(
        has(
            before,
            "let __perennial_c: <C as ::perennial::__private::InitArgs>::Args = (1, \"x\");"
        ),
        "{before}"
    );
}

#[test]
fn backoff_on_takes_the_documented_defaults() {
    let expansion = compact_expansion(quote!(app: supervisor { a: A { backoff = on } }));
    assert!(
        has(
            &expansion,
            "initial: ::core::time::Duration::from_millis(100)"
        ),
        "{expansion}"
    );
    assert!(has(&expansion, "factor: 2f64"), "{expansion}");
    assert!(
        has(
            &expansion,
            "max: ::core::time::Duration::from_millis(10000)"
        ),
        "{expansion}"
    );
    // `max` never ends up shorter than `initial`.
    let expansion =
        compact_expansion(quote!(app: supervisor { a: A { backoff = { initial = 20s } } }));
    assert!(
        has(
            &expansion,
            "max: ::core::time::Duration::from_millis(20000)"
        ),
        "{expansion}"
    );
}

#[test]
fn options_left_out_emit_nothing() {
    let expansion = compact_expansion(quote!(app: supervisor { a: A, t: task(f) }));
    for call in [
        ".restart(",
        ".shutdown(",
        ".backoff(",
        ".health(",
        ".strategy(",
        ".intensity(",
    ] {
        assert!(!has(&expansion, call), "{call} in {expansion}");
    }
}

#[test]
fn one_intensity_setting_keeps_the_default_of_the_other() {
    let expansion = compact_expansion(quote!(app: supervisor(within = 1s) { a: A }));
    assert!(
        has(
            &expansion,
            ".intensity(::perennial::__private::DEFAULT_MAX_RESTARTS, ::core::time::Duration::from_millis(1000))"
        ),
        "{expansion}"
    );
    let expansion = compact_expansion(quote!(app: supervisor(max_restarts = 1) { a: A }));
    assert!(
        has(
            &expansion,
            ".intensity(1, ::perennial::__private::DEFAULT_WITHIN)"
        ),
        "{expansion}"
    );
}

#[test]
fn the_item_form_has_keys_for_every_gen_server_and_none_for_others() {
    let expansion = compact_expansion(quote! {
        pub struct App;
        app: supervisor { cache: Cache, db: supervisor { pool: DbPool }, t: task(f), jobs: dynamic_supervisor<Job> }
    });
    assert!(has(
        &expansion,
        "pub const CACHE: ::perennial::__private::Key<Cache> = {"
    ));
    assert!(has(
        &expansion,
        "::perennial::__private::key::<Cache>(\"cache\") };"
    ));
    assert!(has(
        &expansion,
        "pub const POOL: ::perennial::__private::Key<DbPool>"
    ));
    assert!(!has(&expansion, "const T:"));
    assert!(!has(&expansion, "const JOBS:"));
    assert!(has(&expansion, "pub struct App_db {"));
    assert!(has(&expansion, "pub fn start_in("));
}

#[test]
fn the_expression_form_shadows_no_identifier_of_the_input() {
    let expansion = compact_expansion(quote!(app: supervisor { a: App(App::default()) }));
    assert!(has(&expansion, "struct AppTree {"), "{expansion}");
    assert!(!has(&expansion, "struct App {"), "{expansion}");
}

#[test]
fn a_tree_with_mistakes_still_expands_its_valid_part_beside_the_errors() {
    let expansion = entry(quote! {
        app: supervisor { cache: Cache(1024) { restart = sometimes }, r#type: Cache(1), writer: Writer(later), later: DbPool }
    });
    let text = compact(&expansion.to_string());
    // sometimes; r#type; later is declared after writer, and where.
    assert_eq!(text.matches("compile_error!").count(), 4, "{text}");
    assert!(has(&text, "pub cache: <Cache as"), "{text}");
    assert!(!has(&text, "pub r#type"), "{text}");
    // The argument that names a later sibling is a placeholder, not an unknown variable.
    assert!(
        has(
            &text,
            "let __perennial_writer: <Writer as ::perennial::__private::InitArgs>::Args = ::perennial::__private::placeholder();"
        ),
        "{text}"
    );
    assert!(has(&text, "pub later: "), "{text}");
}

#[test]
fn nested_types_are_named_after_the_root_and_the_supervisor() {
    let cx = Cx {
        rt: quote!(rt),
        cluster: quote!(cluster),
        root_ty: syn::Ident::new("App", proc_macro2::Span::call_site()),
        option_lets: Default::default(),
    };
    let db = syn::Ident::new("db", proc_macro2::Span::call_site());
    assert_eq!(names::nested_type(&cx, &db), "App_db");
    let taken = HashSet::new();
    let t = tree(quote!(my_app: supervisor { a: A }));
    assert_eq!(names::expression_root_type(&t, &taken), "MyApp");
}

#[test]
fn every_path_starts_with_the_crate_option() {
    for input in [
        quote! {
            app: supervisor(crate = my_perennial, strategy = one_for_all) {
                cache: Cache(1) { health = { interval = 1s }, backoff = on },
                work: task(run) { scope = global },
                jobs: dynamic_supervisor<Job>(children = { restart = temporary }),
            }
        },
        // With mistakes: the best-effort tree's placeholders too.
        quote! {
            pub struct App;
            app: supervisor(crate = crate::reexported) {
                later_user: Writer(later),
                later: Cache,
                Bad: Cache,
            }
        },
    ] {
        let text = compact(&entry(input).to_string());
        assert!(!text.contains("::perennial"), "{text}");
        assert!(
            text.contains("my_perennial::__private")
                || text.contains("crate::reexported::__private::placeholder"),
            "{text}"
        );
    }
}
