//! `#[gen_server]`: parse -> validate -> expand.
//!
//! - [`parse`] reads the attribute's options and sorts the impl block's functions into `init`,
//!   `terminate` and marked handlers ([`ast`]), stripping the helper attributes;
//! - [`validate`] checks every rule and reports every broken one at the user's token;
//! - [`expand`] writes the message enums, the `GenServer` impl, the typed client and the `Send`
//!   checks.
//!
//! Whatever goes wrong, the user's impl block is emitted again (helper attributes stripped), so
//! the rest of the crate keeps compiling and only the real mistakes are reported.

use proc_macro2::TokenStream;

mod ast;
mod errors;
mod expand;
mod parse;
mod text;
mod validate;

use errors::Errors;
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
