//! Options to the runtime's builder calls: `.restart(..)`, `.shutdown(..)`, `.backoff(..)`,
//! `.health(..)`, `.strategy(..)`, `.intensity(..)`, `.max_children(..)`.
//!
//! An option left out emits nothing, so the runtime's default applies, except inside `backoff`,
//! whose runtime type has no defaults: `backoff = on` and the fields left out of
//! `backoff = { .. }` take [`BACKOFF_INITIAL_MS`], [`BACKOFF_FACTOR`] and [`BACKOFF_MAX_MS`]
//! (`max` is never shorter than `initial`).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::super::ast::{
    Backoff, ChildOptions, Duration, Health, Restart, RestartLimits, Setting, Shutdown, Strategy,
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

/// The options a supervisor applies to one child (any kind).
pub(super) fn child(cx: &Cx, options: &ChildOptions) -> TokenStream {
    let rt = &cx.rt;
    let mut calls = TokenStream::new();
    if let Some(restart) = &options.restart {
        let variant = match restart.value {
            Restart::Permanent => quote!(Permanent),
            Restart::Transient => quote!(Transient),
            Restart::Temporary => quote!(Temporary),
        };
        calls.extend(quote!(.restart(#rt::supervisor::Restart::#variant)));
    }
    if let Some(shutdown) = &options.shutdown {
        let value = match shutdown.value {
            Shutdown::BrutalKill => quote!(BrutalKill),
            Shutdown::Infinity => quote!(Infinity),
            Shutdown::Timeout(timeout) => {
                let timeout = duration(timeout.millis);
                quote!(Timeout(#timeout))
            }
        };
        calls.extend(quote!(.shutdown(#rt::supervisor::Shutdown::#value)));
    }
    if let Some(Setting {
        value: Backoff::On(policy),
        ..
    }) = &options.backoff
    {
        let initial_ms = millis(&policy.initial).unwrap_or(BACKOFF_INITIAL_MS);
        let max_ms = millis(&policy.max).unwrap_or(BACKOFF_MAX_MS.max(initial_ms));
        let factor = policy
            .factor
            .as_ref()
            .map_or(BACKOFF_FACTOR, |factor| factor.value);
        let factor = Literal::f64_suffixed(if factor.is_finite() { factor } else { 1.0 });
        let initial = duration(initial_ms);
        let max = duration(max_ms);
        calls.extend(quote! {
            .backoff(#rt::supervisor::Backoff { initial: #initial, factor: #factor, max: #max })
        });
    }
    calls
}

/// `health = ..` of a gen_server child, or of the children of a dynamic supervisor. Health
/// checks are on by default; `on` emits nothing.
pub(super) fn health(cx: &Cx, health: &Option<Setting<Health>>) -> TokenStream {
    let rt = &cx.rt;
    match health.as_ref().map(|setting| &setting.value) {
        None => TokenStream::new(),
        Some(Health::Off) => quote!(.health(::core::option::Option::None)),
        Some(Health::On(check)) => {
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
                return TokenStream::new();
            }
            let rest = (check.interval.is_none()
                || check.timeout.is_none()
                || check.failures.is_none())
            .then(|| quote!(..::core::default::Default::default()));
            quote! {
                .health(::core::option::Option::Some(#rt::supervisor::HealthCheck {
                    #fields
                    #rest
                }))
            }
        }
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

/// `.intensity(max_restarts, within)`, when either is given (the other takes its default).
pub(super) fn intensity(cx: &Cx, limits: &RestartLimits) -> TokenStream {
    let rt = &cx.rt;
    if limits.max_restarts.is_none() && limits.within.is_none() {
        return TokenStream::new();
    }
    let max = limits.max_restarts.as_ref().map_or_else(
        || quote!(#rt::supervisor::DEFAULT_MAX_RESTARTS),
        |max| {
            let max = u32_lit(max.value);
            quote!(#max)
        },
    );
    let within = millis(&limits.within).map_or_else(
        || quote!(#rt::supervisor::DEFAULT_WITHIN),
        duration,
    );
    quote!(.intensity(#max, #within))
}

/// `.max_children(n)` of a dynamic supervisor.
pub(super) fn max_children(max: &Option<Setting<u64>>) -> TokenStream {
    match max {
        None => TokenStream::new(),
        Some(max) => {
            let max = Literal::u64_unsuffixed(max.value.min(u64::from(u32::MAX)));
            quote!(.max_children(#max))
        }
    }
}
