//! `groups = [a, b]`: the process groups of the tree's registry a gen_server child joins at
//! every (re)start. A list of names read at compile time (not an expression: the names are the
//! tree's, as a child's are).

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;
use syn::Ident;

use super::value::{Value, read_value, store};
use crate::errors::Errors;
use crate::tree::ast::{Given, Setting};
use crate::tree::names::invalid_name;

/// Reads `groups` into its slot.
pub(super) fn read(
    key: &Ident,
    value: &Value,
    slot: &mut Option<Setting<Vec<Ident>>>,
    errors: &mut Errors,
) {
    let parsed = read_value(key, value, groups).map(Given::Lit);
    store(slot, key.clone(), value, parsed, errors);
}

/// `[a, b]`: group names, each a snake_case name, none twice.
fn groups(value: &Value) -> syn::Result<Vec<Ident>> {
    use syn::parse::Parser;
    let expected = || {
        syn::Error::new_spanned(
            value,
            format!(
                "expected a list of group names such as `[workers, cache_nodes]`, found `{value}`"
            ),
        )
    };
    let Value::Malformed(tokens) = value else {
        return Err(expected());
    };
    let [TokenTree::Group(list)] = tokens.as_slice() else {
        return Err(expected());
    };
    if list.delimiter() != Delimiter::Bracket {
        return Err(expected());
    }
    let names = syn::punctuated::Punctuated::<Ident, syn::Token![,]>::parse_terminated
        .parse2(list.stream())
        .map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected group names (snake_case identifiers) separated by `,`, as in `[workers, cache_nodes]`",
            )
        })?;
    let mut seen: Vec<Ident> = Vec::new();
    for name in names {
        if let Some(problem) = invalid_name(&name.to_string()) {
            return Err(syn::Error::new(name.span(), problem));
        }
        if seen.contains(&name) {
            return Err(syn::Error::new(
                name.span(),
                format!("the group `{name}` is listed twice"),
            ));
        }
        seen.push(name);
    }
    if seen.is_empty() {
        return Err(syn::Error::new(
            list.span_close(),
            "`groups = []` puts the child in no group; list at least one, or leave `groups` out",
        ));
    }
    Ok(seen)
}

/// `.groups([..])` of a gen_server child, when it is given.
pub(crate) fn emit(groups: &Option<Setting<Vec<Ident>>>) -> Option<TokenStream> {
    groups
        .as_ref()
        .and_then(|groups| groups.lit())
        .map(|groups| {
            let names = groups.iter().map(|name| name.to_string());
            quote!(.groups([#(#names),*]))
        })
}
