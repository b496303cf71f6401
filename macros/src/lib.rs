//! Procedural macros of [perennial](https://docs.rs/perennial).
//!
//! Do not depend on this crate directly: use the re-exports of the `perennial` facade, whose
//! hidden `__private` module is the only path the generated code names.
//!
//! Each macro is split into stages, one module each: `parse` (tokens to a typed AST that keeps
//! the user's spans), `validate` (every mistake collected, not just the first) and `expand`
//! (the AST to ordinary Rust against the runtime). This file only dispatches.

#![deny(missing_docs)]
// The macros never panic on user input: report a syn::Error at the user's token instead.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use proc_macro::TokenStream;

mod errors;
mod gen_server;
#[cfg(test)]
mod no_panic;
mod suggest;
#[cfg(test)]
mod test_support;
mod text;
mod tree;

#[doc = include_str!("gen_server/README.md")]
#[proc_macro_attribute]
pub fn gen_server(attr: TokenStream, item: TokenStream) -> TokenStream {
    gen_server::entry(attr.into(), item.into()).into()
}

#[doc = include_str!("tree/README.md")]
#[proc_macro]
pub fn supervision_tree(input: TokenStream) -> TokenStream {
    tree::entry(input.into()).into()
}

/// Derives nothing: the message enums of `#[gen_server(remote)]` without `perennial`'s
/// `cluster` feature carry `#[serde(..)]` attributes on their fields, and this accepts them.
/// Not public API.
#[doc(hidden)]
#[proc_macro_derive(__SerdeAttributes, attributes(serde))]
pub fn serde_attributes(_item: TokenStream) -> TokenStream {
    TokenStream::new()
}
