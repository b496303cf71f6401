//! The error accumulator: every mistake is pushed here and reported together, so one build
//! shows them all (folded with `syn::Error::combine`).

use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// Every error found so far.
#[derive(Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// An error spanning all of `tokens` (the user's offending tokens).
    pub fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    /// The errors as `compile_error!`s (nothing if there are none).
    pub fn to_compile_errors(&self) -> TokenStream {
        self.combined
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }

    /// The messages, in order, for tests.
    #[cfg(test)]
    pub fn messages(&self) -> Vec<String> {
        self.combined
            .iter()
            .flat_map(|e| e.clone().into_iter().map(|e| e.to_string()))
            .collect()
    }
}
