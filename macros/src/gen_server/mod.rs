//! `#[gen_server]`: parse -> validate -> expand.
//!
//! - [`parse`] reads the attribute's options and sorts the impl block's functions into `init`,
//!   `terminate` and marked handlers ([`ast`]), stripping the helper attributes; building the
//!   [`ast::Server`] reads, once, the facts both later stages need (what `init` returns, the
//!   method meant as a missing `init`), and [`ast`] also reads types (borrows, the context, the
//!   reply token) and names the client's built-in methods, so the stages import only from it;
//! - [`validate`] checks every rule and reports every broken one at the user's token;
//! - [`expand`] writes the message enums, the `GenServer` impl, the typed client and the `Send`
//!   checks.
//!
//! Whatever goes wrong, the user's impl block is emitted again (helper attributes stripped), so
//! the rest of the crate keeps compiling and only the real mistakes are reported.

use proc_macro2::TokenStream;

mod ast;

mod expand;
mod parse;

mod validate;

use crate::errors::Errors;
use parse::Parsed;

pub(crate) fn entry(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let expanded = match parse::parse(attr, item, &mut errors) {
        Parsed::NotAServer(tokens) => tokens,
        Parsed::Server(server) => {
            validate::validate(&server, &mut errors);
            if errors.is_empty() {
                expand::expand(&server)
            } else {
                expand::fallback(&server)
            }
        }
    };
    let errors = errors.to_compile_errors();
    quote::quote! { #expanded #errors }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Group, TokenStream, TokenTree};
    use quote::quote;

    use super::entry;

    fn sample() -> TokenStream {
        quote! {
            impl Counter {
                async fn init(start: i64, ctx: &mut Context<Self>) -> Result<Self, E> { todo!() }
                /// Docs.
                #[call] async fn add(&mut self, by: i64) -> i64 { todo!() }
                #[call] fn get(&self) -> Option<&'static str> { None }
                #[cast] fn set(&mut self, (a, b): (i64, i64), c: &str) {}
                #[info] fn tick(&mut self, t: Tick) {}
                #[handle_continue] async fn step(&mut self, s: Step, ctx: &mut Context<Self>) {}
                async fn terminate(&mut self, reason: &ExitReason) {}
            }
        }
    }

    /// Every variant of `tokens` with one token tree removed or doubled, at any depth.
    fn mangled(tokens: &TokenStream) -> Vec<TokenStream> {
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let mut out = Vec::new();
        for i in 0..trees.len() {
            let mut removed = trees.clone();
            removed.remove(i);
            out.push(removed.into_iter().collect());
            let mut doubled = trees.clone();
            doubled.insert(i, trees[i].clone());
            out.push(doubled.into_iter().collect());
            if let TokenTree::Group(g) = &trees[i] {
                for inner in mangled(&g.stream()) {
                    let mut replaced = trees.clone();
                    let mut group = Group::new(g.delimiter(), inner);
                    group.set_span(g.span());
                    replaced[i] = TokenTree::Group(group);
                    out.push(replaced.into_iter().collect());
                }
            }
        }
        out
    }

    #[test]
    fn never_panics_on_mangled_input_and_always_emits_the_item_or_an_error() {
        let variants = mangled(&sample());
        assert!(variants.len() > 250, "{}", variants.len());
        let attrs = [
            quote!(),
            quote!(vis = pub(crate)),
            quote!(client =),
            quote!(= =),
        ];
        for item in &variants {
            for attr in &attrs {
                let out = entry(attr.clone(), item.clone()).to_string();
                assert!(!out.is_empty(), "nothing emitted for {item}");
            }
        }
    }

    #[test]
    fn a_valid_server_expands_without_errors_and_an_invalid_one_keeps_its_impl() {
        let valid = entry(
            quote!(),
            quote!(impl S { fn init() -> Self { S } #[call] fn get(&self) -> u8 { 1 } }),
        )
        .to_string();
        assert!(!valid.contains("compile_error"), "{valid}");
        assert!(valid.contains("impl S"), "{valid}");

        let invalid = entry(
            quote!(),
            quote!(impl S { #[cast] fn get(&self) -> u8 { 1 } fn helper(&self) {} }),
        )
        .to_string();
        assert_eq!(invalid.matches("compile_error").count(), 2, "{invalid}");
        assert!(invalid.contains("fn helper"), "{invalid}");
        assert!(!invalid.contains("# [cast]"), "{invalid}");
    }
}
