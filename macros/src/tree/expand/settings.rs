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
    AutoShutdown, Backoff, ChildOptions, Duration, Health, Restart, RestartLimits, Setting,
    Shutdown, Strategy,
};
use super::Cx;

/// The first delay of `backoff = on`: 100 ms.
pub(crate) const BACKOFF_INITIAL_MS: u64 = 100;
/// The growth of `backoff = on`: doubles at each attempt.
pub(crate) const BACKOFF_FACTOR: f64 = 2.0;
/// The longest delay of `backoff = on`: 10 s.
pub(crate) const BACKOFF_MAX_MS: u64 = 10_000;

/// `::core::time::Duration::from_millis(n)`
fn duration(millis: u64) -> TokenStream {
    let millis = Literal::u64_unsuffixed(millis);
    quote!(::core::time::Duration::from_millis(#millis))
}

fn millis(setting: &Option<Setting<Duration>>) -> Option<u64> {
    setting.as_ref().map(|setting| setting.value.millis)
}

/// A count the runtime takes as `u32` (validation keeps it in range; a best-effort expansion
/// of an invalid tree clamps it).
fn u32_lit(value: u64) -> Literal {
    Literal::u32_unsuffixed(u32::try_from(value).unwrap_or(u32::MAX))
}

/// `Restart::Transient`
fn restart(cx: &Cx, options: &ChildOptions) -> Option<TokenStream> {
    let rt = &cx.rt;
    let variant = match options.restart.as_ref()?.value {
        Restart::Permanent => quote!(Permanent),
        Restart::Transient => quote!(Transient),
        Restart::Temporary => quote!(Temporary),
    };
    Some(quote!(#rt::supervisor::Restart::#variant))
}

/// `Shutdown::Timeout(..)`
fn shutdown(cx: &Cx, options: &ChildOptions) -> Option<TokenStream> {
    let rt = &cx.rt;
    let value = match options.shutdown.as_ref()?.value {
        Shutdown::BrutalKill => quote!(BrutalKill),
        Shutdown::Infinity => quote!(Infinity),
        Shutdown::Timeout(timeout) => {
            let timeout = duration(timeout.millis);
            quote!(Timeout(#timeout))
        }
    };
    Some(quote!(#rt::supervisor::Shutdown::#value))
}

/// `Backoff { .. }`, for `backoff = on` or `{ .. }` (`off` is the runtime's default: none).
fn backoff(cx: &Cx, options: &ChildOptions) -> Option<TokenStream> {
    let rt = &cx.rt;
    let Setting {
        value: Backoff::On(policy),
        ..
    } = options.backoff.as_ref()?
    else {
        return None;
    };
    let initial_ms = millis(&policy.initial).unwrap_or(BACKOFF_INITIAL_MS);
    let max_ms = millis(&policy.max).unwrap_or(BACKOFF_MAX_MS.max(initial_ms));
    let factor = policy
        .factor
        .as_ref()
        .map_or(BACKOFF_FACTOR, |factor| factor.value);
    let factor = Literal::f64_suffixed(if factor.is_finite() { factor } else { 1.0 });
    let initial = duration(initial_ms);
    let max = duration(max_ms);
    Some(quote!(#rt::supervisor::Backoff { initial: #initial, factor: #factor, max: #max }))
}

/// The options a supervisor applies to one child (any kind), as builder calls.
pub(super) fn child(cx: &Cx, options: &ChildOptions) -> TokenStream {
    let mut calls = TokenStream::new();
    if let Some(restart) = restart(cx, options) {
        calls.extend(quote!(.restart(#restart)));
    }
    if let Some(shutdown) = shutdown(cx, options) {
        calls.extend(quote!(.shutdown(#shutdown)));
    }
    if let Some(backoff) = backoff(cx, options) {
        calls.extend(quote!(.backoff(#backoff)));
    }
    if options.is_significant() {
        calls.extend(quote!(.significant(true)));
    }
    calls
}

/// `.auto_shutdown(..)` of a supervisor, when it is given.
pub(super) fn auto_shutdown(cx: &Cx, auto_shutdown: &Option<Setting<AutoShutdown>>) -> TokenStream {
    let rt = &cx.rt;
    let Some(setting) = auto_shutdown else {
        return TokenStream::new();
    };
    let variant = match setting.value {
        AutoShutdown::Never => quote!(Never),
        AutoShutdown::AnySignificant => quote!(AnySignificant),
        AutoShutdown::AllSignificant => quote!(AllSignificant),
    };
    quote!(.auto_shutdown(#rt::supervisor::AutoShutdown::#variant))
}

/// `health = ..` of a gen_server child or of a dynamic supervisor's children, as the value of
/// `.health(..)`: `None` (off) or `Some(HealthCheck { .. })`. Health checks are on by default,
/// so `on` (and no `health`) is `None` here: nothing to set.
fn health_value(cx: &Cx, health: &Option<Setting<Health>>) -> Option<TokenStream> {
    let rt = &cx.rt;
    match &health.as_ref()?.value {
        Health::Off => Some(quote!(::core::option::Option::None)),
        Health::On(check) => {
            let mut fields = TokenStream::new();
            if let Some(interval) = millis(&check.interval) {
                let interval = duration(interval);
                fields.extend(quote!(interval: #interval,));
            }
            if let Some(timeout) = millis(&check.timeout) {
                let timeout = duration(timeout);
                fields.extend(quote!(timeout: #timeout,));
            }
            if let Some(failures) = &check.failures {
                let failures = u32_lit(failures.value);
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
    let variant = match strategy.value {
        Strategy::OneForOne => quote!(OneForOne),
        Strategy::OneForAll => quote!(OneForAll),
        Strategy::RestForOne => quote!(RestForOne),
    };
    quote!(.strategy(#rt::supervisor::Strategy::#variant))
}

/// `(max_restarts, within)`, when either is given (the other takes its default).
fn intensity_value(cx: &Cx, limits: &RestartLimits) -> Option<TokenStream> {
    let rt = &cx.rt;
    if limits.max_restarts.is_none() && limits.within.is_none() {
        return None;
    }
    let max = limits.max_restarts.as_ref().map_or_else(
        || quote!(#rt::supervisor::DEFAULT_MAX_RESTARTS),
        |max| {
            let max = u32_lit(max.value);
            quote!(#max)
        },
    );
    let within =
        millis(&limits.within).map_or_else(|| quote!(#rt::supervisor::DEFAULT_WITHIN), duration);
    Some(quote!(#max, #within))
}

/// `.intensity(max_restarts, within)` of a supervisor.
pub(super) fn intensity(cx: &Cx, limits: &RestartLimits) -> TokenStream {
    match intensity_value(cx, limits) {
        Some(value) => quote!(.intensity(#value)),
        None => TokenStream::new(),
    }
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
    if let Some(max) = max_children {
        let max = Literal::u64_unsuffixed(max.value.min(u64::from(u32::MAX)));
        fields.push(quote!(max_children: ::core::option::Option::Some(#max),));
    }
    if let Some(intensity) = intensity_value(cx, limits) {
        let value = some(quote!((#intensity)));
        fields.push(quote!(intensity: #value,));
    }
    if let Some(restart) = restart(cx, children) {
        let value = some(restart);
        fields.push(quote!(restart: #value,));
    }
    if let Some(shutdown) = shutdown(cx, children) {
        let value = some(shutdown);
        fields.push(quote!(shutdown: #value,));
    }
    if let Some(health) = health_value(cx, children_health) {
        let value = some(health);
        fields.push(quote!(health: #value,));
    }
    if let Some(backoff) = backoff(cx, children) {
        let value = some(backoff);
        fields.push(quote!(backoff: #value,));
    }
    fields
}
