//! `supervision_tree!`: parse -> validate -> expand.

use proc_macro2::TokenStream;

pub(crate) fn entry(input: TokenStream) -> TokenStream {
    let _ = input;
    syn::Error::new(
        proc_macro2::Span::call_site(),
        "supervision_tree! is not implemented yet",
    )
    .to_compile_error()
}
