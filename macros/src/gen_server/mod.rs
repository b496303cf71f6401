//! `#[gen_server]`: parse -> validate -> expand.

use proc_macro2::TokenStream;

pub(crate) fn entry(attr: TokenStream, item: TokenStream) -> TokenStream {
    let _ = attr;
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        "#[gen_server] is not implemented yet",
    )
    .to_compile_error();
    quote::quote! { #item #error }
}
