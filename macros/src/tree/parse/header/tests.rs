//! The header of the item form, read and refused.

use quote::quote;

use crate::tree::parse::testing::*;

#[test]
fn the_header_of_the_item_form() {
    let tree = tree(quote! {
        /// The application.
        #[derive(Default)]
        pub(crate) struct App(cache_size: usize, urls: Vec<String>, name: &'static str,);
        app: supervisor { cache: Cache(cache_size) }
    });
    let Some(header) = &tree.header else {
        panic!("the header is read");
    };
    assert_eq!(header.ident, "App");
    assert_eq!(header.attrs.len(), 2);
    assert_eq!(text(&header.vis), "pub (crate)");
    let params: Vec<String> = header
        .params
        .iter()
        .map(|param| format!("{}: {}", param.name, text(&param.ty)))
        .collect();
    assert_eq!(
        params,
        [
            "cache_size: usize",
            "urls: Vec < String >",
            "name: & 'static str"
        ]
    );
    assert_eq!(tree.name, "app");
}

#[test]
fn a_header_without_parameters_or_visibility() {
    for tokens in [
        quote!(struct App; app: supervisor { a: A }),
        quote!(struct App(); app: supervisor { a: A }),
    ] {
        let tree = tree(tokens);
        let header = tree
            .header
            .as_ref()
            .map(|h| (h.ident.to_string(), h.params.len()));
        assert_eq!(header, Some(("App".to_owned(), 0)));
        assert!(matches!(
            tree.header.as_ref().map(|h| &h.vis),
            Some(syn::Visibility::Inherited)
        ));
    }
    assert!(tree(quote!(app: supervisor { a: A })).header.is_none());
    // A node named like an item keyword is a node (with an invalid name), not a header.
    let (parsed, _) = parse(quote!(type: supervisor { a: A }));
    assert!(parsed.is_some_and(|tree| tree.header.is_none()));
}

#[test]
fn mistakes_in_the_header() {
    assert_eq!(
        one_message(quote!(pub struct App<T>(size: T); app: supervisor { a: A })),
        "a tree's type can't be generic: its parameters are values, written in `( .. )`, as in `pub struct App(cache_size: usize);`"
    );
    assert_eq!(
        one_message(quote!(pub struct App { size: usize } app: supervisor { a: A })),
        "a tree's parameters are written in `( .. )`, like a function's, as in `pub struct App(cache_size: usize);`; its fields are its children"
    );
    assert_eq!(
        one_message(quote!(pub struct App(size); app: supervisor { a: A })),
        "the parameter `size` needs a type: `size: Type`, as in `size: usize`"
    );
    assert_eq!(
        one_message(quote!(pub struct App(size: usize) app: supervisor { a: A })),
        "expected `;` after the header `struct App(..)`, then the tree, as in `pub struct App(cache_size: usize);` `app: supervisor { .. }`"
    );
    assert_eq!(
        one_message(quote!(pub enum App; app: supervisor { a: A })),
        "expected `struct`: the header of a tree names its type as a struct, as in `pub struct App(cache_size: usize);`"
    );
    assert_eq!(
        one_message(quote!(struct App(name: &str); app: supervisor { a: A })),
        "the parameter `name` borrows, but the tree keeps its init arguments for restarts: take an owned value (`String` rather than `&str`) or a `&'static` one"
    );
    assert_eq!(
        one_message(quote!(struct App(self); app: supervisor { a: A })),
        "`self` can't be a parameter of a tree: parameters are the values passed to its `start(..)`, written `name: Type`"
    );
    assert_eq!(
        one_message(quote!(struct App(mut n: u8); app: supervisor { a: A })),
        "write the parameter without `mut`: it is only read, to make the init arguments"
    );
    assert_eq!(
        one_message(quote!(struct App(a: u8 b: u8); app: supervisor { a: A })),
        "expected `,` between two parameters"
    );
    assert_eq!(
        one_message(quote!(struct App where u8: Copy; app: supervisor { a: A })),
        "a tree's type can't be generic, so it has no `where` clause"
    );
    assert_eq!(
        one_message(quote!(pub struct App(size: usize);)),
        "the tree `App` has no root supervisor: write it after the header, as in `app: supervisor { cache: Cache(1024) }`"
    );
    assert_eq!(
        one_message(quote!(struct App; struct Other; app: supervisor { a: A })),
        "a tree has one header; its type and parameters are written once, before the tree"
    );
}

#[test]
fn a_broken_header_does_not_hide_the_mistakes_of_the_tree() {
    // Two bad parameters, then a bad option: three messages, and the tree is still read.
    let (parsed, messages) = parse(quote! {
        pub struct App(a, b: u8, c);
        app: supervisor(strategy = one_for_al) { a: A }
    });
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(messages[2].starts_with("unknown strategy `one_for_al`"));
    let parsed = parsed.expect("the tree is read");
    assert_eq!(parsed.header.map(|h| h.params.len()), Some(1));
    // Another item keyword is reported and read as `struct`.
    let (parsed, messages) = parse(quote!(pub enum App; app: supervisor { a: A }));
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(parsed.is_some_and(|tree| tree.header.is_some_and(|h| h.ident == "App")));
    // A header that can't be read at all is skipped up to its `;`.
    let (parsed, messages) = parse(quote!(pub 42 App; app: supervisor { a: A }));
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(parsed.is_some_and(|tree| tree.header.is_none() && tree.name == "app"));
}
