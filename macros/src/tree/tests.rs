//! `entry` end to end: what it emits, and that no input makes it panic.

use std::str::FromStr;

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::quote;

use super::entry;

const EXAMPLE: &str = r#"
    app: supervisor(strategy = one_for_one, max_restarts = 3, within = 5s) {
        cache: Cache(1024) { restart = permanent, shutdown = 5s,
                             health = { interval = 30s, timeout = 5s, failures = 3 } },
        metrics: task(metrics_loop, port) { restart = transient, backoff = { factor = 1.5 } },
        jobs: dynamic_supervisor<Job>(max_children = 100, children = { restart = temporary }),
        db: supervisor(strategy = rest_for_one) {
            pool: DbPool(url.clone()),
            writer: Writer(pool),
        },
    }
"#;

/// The messages of the `compile_error!`s in an expansion.
fn messages(expansion: &TokenStream) -> Vec<String> {
    fn walk(stream: &TokenStream, out: &mut Vec<String>) {
        let mut after_compile_error = false;
        for tree in stream.clone() {
            match &tree {
                TokenTree::Ident(ident) => after_compile_error = ident == "compile_error",
                TokenTree::Group(group) if after_compile_error => {
                    out.push(group.stream().to_string());
                    after_compile_error = false;
                }
                TokenTree::Group(group) => walk(&group.stream(), out),
                TokenTree::Punct(_) | TokenTree::Literal(_) => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(expansion, &mut out);
    out
}

const ITEM_EXAMPLE: &str = r#"
    /// The application.
    pub struct App(cache_size: usize, url: String);
    app: supervisor {
        cache: Cache(cache_size) { health = off },
        db: supervisor { pool: DbPool(url.clone()), writer: Writer(pool, 3) },
    }
"#;

/// The expansion is Rust: an expression (the expression form) or items (the item form).
fn is_rust(expansion: &TokenStream) -> bool {
    syn::parse2::<syn::Expr>(expansion.clone()).is_ok()
        || syn::parse2::<syn::File>(expansion.clone()).is_ok()
}

#[test]
fn a_valid_tree_expands_to_a_block_without_errors() {
    let expansion = entry(TokenStream::from_str(EXAMPLE).unwrap());
    assert_eq!(messages(&expansion), Vec::<String>::new());
    assert!(syn::parse2::<syn::ExprBlock>(expansion).is_ok());
}

#[test]
fn a_valid_item_form_expands_to_items_without_errors() {
    let expansion = entry(TokenStream::from_str(ITEM_EXAMPLE).unwrap());
    assert_eq!(messages(&expansion), Vec::<String>::new());
    let file = syn::parse2::<syn::File>(expansion).unwrap();
    assert!(
        file.items
            .iter()
            .any(|item| matches!(item, syn::Item::Struct(s) if s.ident == "App"))
    );
}

#[test]
fn every_mistake_becomes_one_compile_error_in_a_block() {
    let expansion = entry(quote! {
        app: supervisor(strategy = one_for_al) { a: A { restart = sometimes }, a: B }
    });
    assert_eq!(messages(&expansion).len(), 4);
    // One labelled block (`'label: { .. }`), usable in expression position.
    let expr = syn::parse2::<syn::Expr>(expansion).expect("one expression");
    assert!(matches!(expr, syn::Expr::Block(b) if b.label.is_some()));
}

#[test]
fn values_from_macro_rules_fragments_are_read_through_their_invisible_group() {
    let five_seconds = TokenTree::Group(Group::new(Delimiter::None, quote!(5s)));
    let expansion = entry(quote! {
        app: supervisor(within = #five_seconds) { a: A }
    });
    assert_eq!(messages(&expansion), Vec::<String>::new());
    let text: String = expansion
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        text.contains("::core::time::Duration::from_millis(5000)"),
        "{text}"
    );
}

/// Every prefix of the examples, and the examples with any one character removed: whatever
/// lexes must expand to well-formed Rust (errors and the best-effort tree), never panic.
#[test]
fn no_mangled_input_panics() {
    let mut expanded = 0;
    let mut with_errors = 0;
    for example in [EXAMPLE, ITEM_EXAMPLE] {
        let chars: Vec<char> = example.chars().collect();
        let mut variants = Vec::new();
        for cut in 0..chars.len() {
            variants.push(chars[..cut].iter().collect::<String>());
            variants.push(
                chars[..cut]
                    .iter()
                    .chain(&chars[cut + 1..])
                    .collect::<String>(),
            );
        }
        for source in variants {
            if let Ok(tokens) = TokenStream::from_str(&source) {
                let expansion = entry(tokens);
                assert!(is_rust(&expansion), "{source}\n{expansion}");
                if !messages(&expansion).is_empty() {
                    with_errors += 1;
                }
                expanded += 1;
            }
        }
    }
    assert!(expanded > 800, "only {expanded} variants lexed");
    assert!(with_errors > 400, "only {with_errors} variants had errors");
}

#[test]
fn tokens_after_the_root() {
    let expansion = entry(quote!(app: supervisor { a: A } extra));
    assert_eq!(
        messages(&expansion),
        ["\"expected the end of the tree after the root supervisor `app`\""]
    );
}

#[test]
fn odd_inputs_do_not_panic() {
    for source in [
        "",
        ",",
        "app",
        "app:",
        "app: supervisor",
        "app: supervisor(",
        "app: supervisor { a: }",
        "app: supervisor { a: A, , b: B }",
        "app: supervisor { a: A(,) }",
        "app: supervisor { a: task(,) }",
        "app: supervisor { a: dynamic_supervisor<> }",
        "app: supervisor { a: dynamic_supervisor<J }",
        "app: supervisor { a: A { restart = } }",
        "app: supervisor { a: A { = } }",
        "app: supervisor { a: A { health = { = } } }",
        "app: supervisor { a: ::<u8>() }",
        "app: supervisor { a: A::() }",
        "app: supervisor { 'a: A }",
        "app: supervisor { a: A } extra",
        "app: supervisor(max_restarts = 0) { a: A, a: A, a: A }",
        "app: supervisor { a: A(a, a, a), b: B(a, b, c), c: C(c) }",
        "app: supervisor { a: A { backoff = { factor = 1e400 } } }",
        "app: supervisor { a: A { backoff = { factor = 0x10 } } }",
        "app: supervisor { a: A { shutdown = 0x10s } }",
        "app: supervisor { a: A { shutdown = 1e3ms } }",
        "app: supervisor { a: A { shutdown = 'x' } }",
    ] {
        let Ok(tokens) = TokenStream::from_str(source) else {
            continue;
        };
        // Most are mistakes (a few, like `factor = 0x10`, are valid): either way, Rust.
        let expansion = entry(tokens);
        assert!(is_rust(&expansion), "{source}\n{expansion}");
    }
}

#[test]
fn the_item_form_expands_to_items_even_when_it_can_not_be_read() {
    for source in [
        "pub struct App(size: u32);",
        "pub 42 App; app: supervisor { a: A }",
        "#[doc = \"x\"] struct App; app: supervisor",
    ] {
        let expansion = entry(TokenStream::from_str(source).unwrap());
        assert!(!messages(&expansion).is_empty(), "{source}");
        let file = syn::parse2::<syn::File>(expansion.clone());
        assert!(
            file.is_ok_and(|file| !file.items.is_empty()),
            "{source}: {expansion}"
        );
    }
}
