//! `crate = path` of the root supervisor: the path of the `perennial` crate, for code that
//! reaches it through a renamed dependency or a re-export (`#[gen_server(crate = ..)]`'s
//! option). Every path the expansion writes to the facade's hidden `__private` module starts
//! with it; `::perennial` when it is left out.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Ident, Path};

use super::keys::expects;
use super::value::{Value, read_value, store};
use crate::errors::Errors;
use crate::tree::ast::{Given, Setting};

/// Reads `crate = path` into its slot.
pub(super) fn read(
    key: &Ident,
    value: &Value,
    slot: &mut Option<Setting<Path>>,
    errors: &mut Errors,
) {
    let parsed = read_value(key, value, path).map(Given::Lit);
    store(slot, key.clone(), value, parsed, errors);
}

/// A path, as `#[gen_server(crate = ..)]` takes it: `my_perennial`, `::my_perennial`,
/// `crate::reexported`.
fn path(value: &Value) -> syn::Result<Path> {
    let path = match value {
        Value::Word(word) => Some(Path::from(word.clone())),
        Value::Malformed(tokens) => syn::parse2(tokens.iter().cloned().collect()).ok(),
        _ => None,
    };
    path.ok_or_else(|| {
        syn::Error::new_spanned(
            value,
            format!("`crate` takes {}; found `{value}`", expects("crate")),
        )
    })
}

/// The path of the `perennial` crate the expansion names.
pub(crate) fn emit(krate: &Option<Setting<Path>>) -> TokenStream {
    match krate.as_ref().and_then(Setting::lit) {
        Some(path) => path.to_token_stream(),
        None => quote!(::perennial),
    }
}
