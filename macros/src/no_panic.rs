//! Property test: whatever tokens they are given, both macros return tokens (their expansion
//! and/or `compile_error!`s) and never panic.
//!
//! Inputs are random token trees drawn from each macro's own vocabulary (so that they get deep
//! into the parsers, not just fail on the first token), mixed with arbitrary punctuation,
//! literals (including duration-like and huge ones) and nested groups. The seed and case count
//! are fixed so CI is repeatable; set `PROPTEST_CASES` for a longer local run.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

const WORDS: &[&str] = &[
    // supervision_tree!
    "app",
    "db",
    "cache",
    "supervisor",
    "dynamic_supervisor",
    "task",
    "strategy",
    "one_for_one",
    "one_for_all",
    "rest_for_one",
    "max_restarts",
    "within",
    "max_children",
    "restart",
    "permanent",
    "transient",
    "temporary",
    "shutdown",
    "brutal_kill",
    "infinity",
    "health",
    "interval",
    "timeout",
    "failures",
    "backoff",
    "initial",
    "factor",
    "max",
    "on",
    "off",
    "Cache",
    "Job",
    "Vec",
    "String",
    "Option",
    "registry",
    "join",
    "spec",
    // #[gen_server]
    "impl",
    "fn",
    "async",
    "await",
    "self",
    "Self",
    "mut",
    "pub",
    "crate",
    "struct",
    "init",
    "call",
    "cast",
    "info",
    "handle_continue",
    "terminate",
    "ping",
    "ctx",
    "Context",
    "Result",
    "vis",
    "client",
    "where",
    "for",
    "dyn",
    "move",
    "return",
    "ExitReason",
    "u64",
    "i64",
    "str",
    "x",
    "y",
    "_",
    "r#type",
];

const PUNCT: &[char] = &[
    ':', ',', '=', '<', '>', '&', ';', '.', '#', '!', '-', '+', '*', '/', '?', '\'', '|', '@',
];

fn ident(word: &str) -> TokenTree {
    match word.strip_prefix("r#") {
        Some(raw) => TokenTree::Ident(Ident::new_raw(raw, Span::call_site())),
        None => TokenTree::Ident(Ident::new(word, Span::call_site())),
    }
}

fn literal() -> impl Strategy<Value = TokenTree> {
    prop_oneof![
        any::<u64>().prop_map(|n| TokenTree::Literal(Literal::u64_unsuffixed(n))),
        (
            0u64..10_000,
            prop::sample::select(vec!["ms", "s", "m", "h", "d", "us", "u8", "x"])
        )
            .prop_map(|(n, unit)| {
                let lit: Literal = format!("{n}{unit}")
                    .parse()
                    .unwrap_or(Literal::u64_unsuffixed(n));
                TokenTree::Literal(lit)
            }),
        any::<f32>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| TokenTree::Literal(Literal::f32_unsuffixed(f))),
        ".{0,8}".prop_map(|s| TokenTree::Literal(Literal::string(&s))),
        Just(TokenTree::Literal(Literal::character('c'))),
    ]
}

fn leaf() -> impl Strategy<Value = TokenTree> {
    prop_oneof![
        4 => prop::sample::select(WORDS).prop_map(ident),
        3 => (prop::sample::select(PUNCT), any::<bool>()).prop_map(|(c, joint)| {
            let spacing = if joint { Spacing::Joint } else { Spacing::Alone };
            TokenTree::Punct(Punct::new(c, spacing))
        }),
        1 => literal(),
    ]
}

fn tree() -> impl Strategy<Value = TokenTree> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        (
            prop::sample::select(vec![
                Delimiter::Parenthesis,
                Delimiter::Brace,
                Delimiter::Bracket,
                Delimiter::None,
            ]),
            prop::collection::vec(inner, 0..8),
        )
            .prop_map(|(delimiter, tokens)| {
                TokenTree::Group(Group::new(delimiter, tokens.into_iter().collect()))
            })
    })
}

fn stream() -> impl Strategy<Value = TokenStream> {
    prop::collection::vec(tree(), 0..12).prop_map(|t| t.into_iter().collect())
}

/// `name: <random>` nodes: shaped like a tree, wrong inside.
fn tree_input() -> impl Strategy<Value = TokenStream> {
    prop_oneof![
        stream(),
        (stream(), stream()).prop_map(|(opts, body)| {
            let src = format!("app: supervisor({opts}) {{ {body} }}");
            src.parse().unwrap_or_default()
        }),
        (stream(), stream(), stream()).prop_map(|(header, kind, opts)| {
            let src =
                format!("pub struct App({header}); app: supervisor {{ c: {kind} {{ {opts} }} }}");
            src.parse().unwrap_or_default()
        }),
    ]
}

/// `impl X { <random> }` items, with random attribute arguments.
fn gen_server_input() -> impl Strategy<Value = (TokenStream, TokenStream)> {
    let item = prop_oneof![
        stream(),
        stream().prop_map(|body| format!("impl Counter {{ {body} }}").parse().unwrap_or_default()),
        (stream(), stream(), stream()).prop_map(|(attr, args, ret)| {
            let src = format!(
                "impl Counter {{ fn init({args}) -> Self {{ Counter }} #[{attr}] fn f(&mut self, {args}) -> {ret} {{ 0 }} }}"
            );
            src.parse().unwrap_or_default()
        }),
    ];
    (stream(), item)
}

fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(600);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]))
}

/// Runs `expand` and fails the case if it panics or returns nothing.
fn never_panics(name: &str, expand: impl FnOnce() -> TokenStream) -> Result<(), TestCaseError> {
    match catch_unwind(AssertUnwindSafe(expand)) {
        Ok(out) if out.is_empty() => {
            Err(TestCaseError::fail(format!("{name} expanded to nothing")))
        }
        Ok(_) => Ok(()),
        Err(_) => Err(TestCaseError::fail(format!("{name} panicked"))),
    }
}

#[test]
fn supervision_tree_never_panics_on_any_tokens() {
    runner()
        .run(&tree_input(), |input| {
            never_panics("supervision_tree!", || crate::tree::entry(input))
        })
        .unwrap();
}

#[test]
fn gen_server_never_panics_on_any_tokens() {
    runner()
        .run(&gen_server_input(), |(attr, item)| {
            never_panics("#[gen_server]", || crate::gen_server::entry(attr, item))
        })
        .unwrap();
}

#[test]
fn the_harness_reports_a_panic_and_an_empty_expansion() {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let panicked = never_panics("x", || panic!("boom"));
    std::panic::set_hook(hook);
    assert!(panicked.is_err());
    assert!(never_panics("x", TokenStream::new).is_err());
    assert!(never_panics("x", || "a".parse().unwrap_or_default()).is_ok());
}
