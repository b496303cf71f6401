//! Options to runtime values: `.restart(..)`, `.shutdown(..)`, `.backoff(..)`, `.health(..)`,
//! `.strategy(..)`, `.intensity(..)` on the builders, and the fields of the hidden
//! `DynamicOptions` of a dynamic supervisor's children.
//!
//! An option left out emits nothing, so the runtime's default applies, except inside `backoff`
//! (see `options::backoff`). Each option family emits its own values (`options::limits`,
//! `options::child`, `options::backoff`, `options::health`); this puts them together.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::ast::{ChildOptions, Health, RestartLimits, Setting};
use super::cx::Cx;
use crate::tree::options::{backoff, child, health, limits, supervision};

/// The options a supervisor applies to one child (any kind), as builder calls.
pub(crate) fn child(cx: &Cx, options: &ChildOptions) -> TokenStream {
    let mut calls = TokenStream::new();
    if let Some(restart) = child::emit_restart(cx, options) {
        calls.extend(quote!(.restart(#restart)));
    }
    if let Some(shutdown) = child::emit_shutdown(cx, options) {
        calls.extend(quote!(.shutdown(#shutdown)));
    }
    // `.backoff(..)` takes a `Backoff` or an `Option<Backoff>` (an expression's).
    if let Some((backoff, _)) = backoff::emit(cx, options) {
        calls.extend(quote!(.backoff(#backoff)));
    }
    calls.extend(supervision::emit_significant(cx, options));
    calls
}

/// The runtime's `tree::DynamicOptions`: the dynamic supervisor's limits, and the options of
/// the children it starts.
pub(crate) fn dynamic(
    cx: &Cx,
    max_children: &Option<Setting<u64>>,
    limits: &RestartLimits,
    children: &ChildOptions,
    children_health: &Option<Setting<Health>>,
) -> TokenStream {
    let rt = &cx.rt;
    let fields = dynamic_fields(cx, max_children, limits, children, children_health);
    match fields.len() {
        0 => quote!(<#rt::DynamicOptions as ::core::default::Default>::default()),
        // All six given: `..Default::default()` would be a needless update.
        6 => quote!(#rt::DynamicOptions { #(#fields)* }),
        _ => quote! {
            #rt::DynamicOptions {
                #(#fields)*
                ..::core::default::Default::default()
            }
        },
    }
}

fn dynamic_fields(
    cx: &Cx,
    max_children: &Option<Setting<u64>>,
    limits: &RestartLimits,
    children: &ChildOptions,
    children_health: &Option<Setting<Health>>,
) -> Vec<TokenStream> {
    let some = |value: TokenStream| quote!(::core::option::Option::Some(#value));
    let mut fields = Vec::new();
    if let Some(max) = limits::max_children(cx, max_children) {
        fields.push(quote!(max_children: ::core::option::Option::Some(#max),));
    }
    if let Some(intensity) = limits::intensity_value(cx, limits) {
        let value = some(quote!((#intensity)));
        fields.push(quote!(intensity: #value,));
    }
    if let Some(restart) = child::emit_restart(cx, children) {
        let value = some(restart);
        fields.push(quote!(restart: #value,));
    }
    if let Some(shutdown) = child::emit_shutdown(cx, children) {
        let value = some(shutdown);
        fields.push(quote!(shutdown: #value,));
    }
    if let Some(health) = health::emit(cx, children_health) {
        let value = some(health);
        fields.push(quote!(health: #value,));
    }
    if let Some((backoff, optional)) = backoff::emit(cx, children) {
        let value = if optional { backoff } else { some(backoff) };
        fields.push(quote!(backoff: #value,));
    }
    fields
}
