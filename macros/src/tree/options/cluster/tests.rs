//! `scope` and `export`: words, read at compile time.

use quote::quote;

use crate::tree::parse::testing::*;

#[test]
fn scope_is_a_word_of_a_gen_server_or_task_child() {
    let (tree, errors) =
        parse(quote!(app: supervisor { a: A { scope = global }, b: task(f) { scope = local } }));
    assert_eq!(errors, Vec::<String>::new());
    let tree = tree.expect("parses");
    let globals: Vec<bool> = tree
        .root
        .children
        .iter()
        .map(|c| c.kind.child_options().is_global())
        .collect();
    assert_eq!(globals, [true, false]);
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { scope = globl } })),
        "unknown scope `globl`; expected one of `local`, `global` (a word: the scope decides at compile time how the tree starts); did you mean `global`?"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { scope = (s) } })),
        "expected a scope, one of `local`, `global`; found `(s)`"
    );
    assert!(
        one_message(quote!(app: supervisor(scope = global) { a: A })).starts_with(
            "a supervisor is not global: mark the gen_server and task children of the root"
        )
    );
}

#[test]
fn export_is_a_word_of_a_gen_server_child() {
    let (tree, errors) = parse(quote!(app: supervisor {
        a: A { scope = global, export = true },
        b: A { scope = global, export = false },
        c: A { scope = global },
    }));
    assert_eq!(errors, Vec::<String>::new());
    let tree = tree.expect("parses");
    let exports: Vec<Option<bool>> = tree
        .root
        .children
        .iter()
        .map(|c| {
            let export = c.kind.child_options().export.as_ref();
            export.and_then(|e| e.lit()).copied()
        })
        .collect();
    assert_eq!(exports, [Some(true), Some(false), None]);
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { export = ture } })),
        "expected `true` or `false` for `export`, found `ture` (a word: whether a child is exported decides at compile time what its server must be); did you mean `true`?"
    );
    assert!(
        one_message(quote!(app: supervisor { t: task(f) { export = true } }))
            .starts_with("a task child has no mailbox to call")
    );
}
