//! Options to runtime values: `.restart(..)`, `.shutdown(..)`, `.backoff(..)`, `.health(..)`,
//! `.strategy(..)`, `.intensity(..)` on the builders, and the fields of the hidden
//! `DynamicOptions` of a dynamic supervisor's children.
//!
//! An option left out emits nothing, so the runtime's default applies, except inside `backoff`,
//! whose runtime type has no defaults: `backoff = on` and the fields left out of
//! `backoff = { .. }` take [`BACKOFF_INITIAL_MS`], [`BACKOFF_FACTOR`] and [`BACKOFF_MAX_MS`]
//! (`max` is never shorter than `initial`).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::super::ast::{
    AutoShutdown, Backoff, ChildOptions, Given, Health, RestartLimits, Setting, Strategy,
};
use super::cx::{Cx, Ty, duration, u32_lit};
use crate::tree::options::{child, limits};

/// The first delay of `backoff = on`: 100 ms.
pub(crate) const BACKOFF_INITIAL_MS: u64 = 100;
/// The growth of `backoff = on`: doubles at each attempt.
pub(crate) const BACKOFF_FACTOR: f64 = 2.0;
/// The longest delay of `backoff = on`: 10 s.
pub(crate) const BACKOFF_MAX_MS: u64 = 10_000;

/// `Backoff { .. }` for `backoff = on` or `{ .. }` (`off` is the runtime's default: none), or
/// the `Option<Backoff>` of an expression; `optional` says which it is.
fn backoff(cx: &Cx, options: &ChildOptions) -> Option<(TokenStream, bool)> {
    let rt = &cx.rt;
    let setting = options.backoff.as_ref()?;
    let policy = match &setting.value {
        Given::Lit(Backoff::Off) => return None,
        Given::Lit(Backoff::On(policy)) => policy,
        Given::Expr(_) => return Some((cx.value(setting, Ty::Backoff, |_| quote!()), true)),
    };
    let initial_lit = policy.initial.as_ref().map(|s| s.lit().map(|d| d.millis));
    let initial = match &policy.initial {
        Some(initial) => cx.duration(initial),
        None => duration(BACKOFF_INITIAL_MS),
    };
    let max = match (&policy.max, initial_lit) {
        (Some(max), _) => cx.duration(max),
        (None, None) => duration(BACKOFF_MAX_MS),
        (None, Some(Some(initial_ms))) => duration(BACKOFF_MAX_MS.max(initial_ms)),
        // `initial` from an expression: `max` is never shorter, as for a literal.
        (None, Some(None)) => {
            let max = duration(BACKOFF_MAX_MS);
            quote!(::core::cmp::Ord::max(#max, #initial))
        }
    };
    let factor = match &policy.factor {
        Some(factor) => cx.value(factor, Ty::F64, |factor| {
            let factor = Literal::f64_suffixed(if factor.is_finite() { *factor } else { 1.0 });
            quote!(#factor)
        }),
        None => {
            let factor = Literal::f64_suffixed(BACKOFF_FACTOR);
            quote!(#factor)
        }
    };
    Some((
        quote!(#rt::supervisor::Backoff { initial: #initial, factor: #factor, max: #max }),
        false,
    ))
}

/// The options a supervisor applies to one child (any kind), as builder calls.
pub(super) fn child(cx: &Cx, options: &ChildOptions) -> TokenStream {
    let mut calls = TokenStream::new();
    if let Some(restart) = child::emit_restart(cx, options) {
        calls.extend(quote!(.restart(#restart)));
    }
    if let Some(shutdown) = child::emit_shutdown(cx, options) {
        calls.extend(quote!(.shutdown(#shutdown)));
    }
    // `.backoff(..)` takes a `Backoff` or an `Option<Backoff>` (an expression's).
    if let Some((backoff, _)) = backoff(cx, options) {
        calls.extend(quote!(.backoff(#backoff)));
    }
    // `significant = false` is the default: nothing to set, unless it is an expression.
    if let Some(significant) = &options.significant {
        match &significant.value {
            Given::Lit(true) => calls.extend(quote!(.significant(true))),
            Given::Lit(false) => {}
            Given::Expr(_) => {
                let value = cx.value(significant, Ty::Bool, |_| quote!());
                calls.extend(quote!(.significant(#value)));
            }
        }
    }
    calls
}

/// `.auto_shutdown(..)` of a supervisor, when it is given.
pub(super) fn auto_shutdown(cx: &Cx, auto_shutdown: &Option<Setting<AutoShutdown>>) -> TokenStream {
    let rt = &cx.rt;
    let Some(setting) = auto_shutdown else {
        return TokenStream::new();
    };
    let value = cx.value(setting, Ty::AutoShutdown, |auto_shutdown| {
        let variant = match auto_shutdown {
            AutoShutdown::Never => quote!(Never),
            AutoShutdown::AnySignificant => quote!(AnySignificant),
            AutoShutdown::AllSignificant => quote!(AllSignificant),
        };
        quote!(#rt::supervisor::AutoShutdown::#variant)
    });
    quote!(.auto_shutdown(#value))
}

/// `health = ..` of a gen_server child or of a dynamic supervisor's children, as the value of
/// `.health(..)`: `None` (off), `Some(HealthCheck { .. })`, or an expression's
/// `Option<HealthCheck>`. Health checks are on by default, so `on` (and no `health`) is `None`
/// here: nothing to set.
fn health_value(cx: &Cx, health: &Option<Setting<Health>>) -> Option<TokenStream> {
    let rt = &cx.rt;
    let setting = health.as_ref()?;
    match &setting.value {
        Given::Expr(_) => Some(cx.value(setting, Ty::Health, |_| quote!())),
        Given::Lit(Health::Off) => Some(quote!(::core::option::Option::None)),
        Given::Lit(Health::On(check)) => {
            let mut fields = TokenStream::new();
            if let Some(interval) = &check.interval {
                let interval = cx.duration(interval);
                fields.extend(quote!(interval: #interval,));
            }
            if let Some(timeout) = &check.timeout {
                let timeout = cx.duration(timeout);
                fields.extend(quote!(timeout: #timeout,));
            }
            if let Some(failures) = &check.failures {
                let failures = cx.value(failures, Ty::U32, |failures| {
                    let failures = u32_lit(*failures);
                    quote!(#failures)
                });
                fields.extend(quote!(failures: #failures,));
            }
            if fields.is_empty() {
                return None;
            }
            let rest =
                (check.interval.is_none() || check.timeout.is_none() || check.failures.is_none())
                    .then(|| quote!(..::core::default::Default::default()));
            Some(quote! {
                ::core::option::Option::Some(#rt::supervisor::HealthCheck {
                    #fields
                    #rest
                })
            })
        }
    }
}

/// `.health(..)` of a gen_server child.
pub(super) fn health(cx: &Cx, health: &Option<Setting<Health>>) -> TokenStream {
    match health_value(cx, health) {
        Some(value) => quote!(.health(#value)),
        None => TokenStream::new(),
    }
}

/// `.strategy(..)` of a supervisor.
pub(super) fn strategy(cx: &Cx, strategy: &Option<Setting<Strategy>>) -> TokenStream {
    let rt = &cx.rt;
    let Some(strategy) = strategy else {
        return TokenStream::new();
    };
    let value = cx.value(strategy, Ty::Strategy, |strategy| {
        let variant = match strategy {
            Strategy::OneForOne => quote!(OneForOne),
            Strategy::OneForAll => quote!(OneForAll),
            Strategy::RestForOne => quote!(RestForOne),
        };
        quote!(#rt::supervisor::Strategy::#variant)
    });
    quote!(.strategy(#value))
}

/// The runtime's `tree::DynamicOptions`: the dynamic supervisor's limits, and the options of
/// the children it starts.
pub(super) fn dynamic(
    cx: &Cx,
    max_children: &Option<Setting<u64>>,
    limits: &RestartLimits,
    children: &ChildOptions,
    children_health: &Option<Setting<Health>>,
) -> TokenStream {
    let rt = &cx.rt;
    let fields = dynamic_fields(cx, max_children, limits, children, children_health);
    match fields.len() {
        0 => quote!(<#rt::tree::DynamicOptions as ::core::default::Default>::default()),
        // All six given: `..Default::default()` would be a needless update.
        6 => quote!(#rt::tree::DynamicOptions { #(#fields)* }),
        _ => quote! {
            #rt::tree::DynamicOptions {
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
    if let Some(health) = health_value(cx, children_health) {
        let value = some(health);
        fields.push(quote!(health: #value,));
    }
    if let Some((backoff, optional)) = backoff(cx, children) {
        let value = if optional { backoff } else { some(backoff) };
        fields.push(quote!(backoff: #value,));
    }
    fields
}
