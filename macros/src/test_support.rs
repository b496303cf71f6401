//! What the macros' unit tests share: expansions as readable Rust, compact text for `contains`
//! checks, the messages of an error, and one snapshot convention.
//!
//! Snapshots: one file per case, named by the case, in the snapshots folder of the macro it
//! belongs to (`macros/src/tree/snapshots/`, `macros/src/gen_server/snapshots/`); review a
//! change with `cargo insta review` (or `INSTA_UPDATE=always` and `git diff`).

use proc_macro2::TokenStream;
use quote::quote;

/// An expansion as Rust source: a file as is, or else (the expression form of
/// `supervision_tree!`) as the value of a `let` in a function.
pub(crate) fn pretty(expansion: TokenStream) -> String {
    let file = syn::parse2::<syn::File>(expansion.clone())
        .or_else(|_| syn::parse2::<syn::File>(quote!(fn expansion() { let tree = #expansion; })));
    match file {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => panic!("the expansion is not Rust: {error}\n{expansion}"),
    }
}

/// `text` without whitespace, for `contains` checks that do not depend on line breaks.
pub(crate) fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Every message of `error`, in order.
pub(crate) fn messages_of(error: syn::Error) -> Vec<String> {
    error.into_iter().map(|e| e.to_string()).collect()
}

/// `snapshot!("name", text)`: `text` against `<macro>/snapshots/name.snap`, where `<macro>` is
/// the folder above the calling file's (both macros keep their expansion tests one level down).
macro_rules! snapshot {
    ($name:literal, $text:expr) => {
        insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $text);
        })
    };
}
pub(crate) use snapshot;
