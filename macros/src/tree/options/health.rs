//! `health`: the pings of a gen_server child (or of a dynamic_supervisor's children) that
//! restart it when it stops answering, `off`, `on` or `{ interval, timeout, failures }`. Its
//! reading, its checks and its emission.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

use super::keys::Place;
use super::value::{Value, count, duration, in_range, nonzero, set_toggle, set_variable};
use crate::errors::Errors;
use crate::tree::ast::{Given, Health, HealthCheck, Setting};
use crate::tree::expand::cx::{Cx, Ty, u32_lit};

/// The largest `failures` a literal may give.
const MAX_FAILURES: u64 = 1_000;

/// Reads `health = ..` into its slot.
pub(super) fn read(
    key: &Ident,
    value: &Value,
    slot: &mut Option<Setting<Health>>,
    errors: &mut Errors,
) {
    let example = "health = { interval = 30s, timeout = 5s, failures = 3 }";
    let toggle = (Health::Off, Health::On as fn(HealthCheck) -> Health);
    set_toggle(
        slot,
        key,
        value,
        Place::Health,
        example,
        toggle,
        |check: &mut HealthCheck, name, key, value, errors| match name {
            "interval" => set_variable(
                &mut check.interval,
                key,
                value,
                |v| duration(name, v),
                errors,
            ),
            "timeout" => set_variable(
                &mut check.timeout,
                key,
                value,
                |v| duration(name, v),
                errors,
            ),
            _ => set_variable(&mut check.failures, key, value, |v| count(name, v), errors),
        },
        errors,
    );
}

/// A health check's durations not zero, `failures` in range, `timeout` not longer than
/// `interval`.
pub(crate) fn check(health: &Option<Setting<Health>>, errors: &mut Errors) {
    let Some(Setting {
        value: Given::Lit(Health::On(check)),
        ..
    }) = health
    else {
        return;
    };
    nonzero(&check.interval, "the time between two pings", errors);
    nonzero(&check.timeout, "how long a ping may take", errors);
    in_range(&check.failures, 1..=MAX_FAILURES, errors, |value| {
        format!(
            "`failures` must be between 1 and {MAX_FAILURES}, found {value}: it is how many failed pings in a row restart the child",
        )
    });
    // A zero is reported on its own: one mistake, one error.
    if let (Some(interval), Some(timeout)) = (&check.interval, &check.timeout)
        && let (Some(interval), Some(timeout_value)) = (interval.lit(), timeout.lit())
        && interval.millis > 0
        && timeout_value.millis > interval.millis
    {
        errors.at(
            timeout.span,
            format!(
                "`timeout = {timeout_value}` is longer than `interval = {interval}`: a ping would still be pending when the next is sent",
            ),
        );
    }
}

/// `health = ..` of a gen_server child or of a dynamic supervisor's children, as the value of
/// `.health(..)`: `None` (off), `Some(HealthCheck { .. })`, or an expression's
/// `Option<HealthCheck>`. Health checks are on by default, so `on` (and no `health`) is `None`
/// here: nothing to set.
pub(crate) fn emit(cx: &Cx, health: &Option<Setting<Health>>) -> Option<TokenStream> {
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
                ::core::option::Option::Some(#rt::HealthCheck {
                    #fields
                    #rest
                })
            })
        }
    }
}

/// `.health(..)` of a gen_server child.
pub(crate) fn builder(cx: &Cx, health: &Option<Setting<Health>>) -> TokenStream {
    match emit(cx, health) {
        Some(value) => quote!(.health(#value)),
        None => TokenStream::new(),
    }
}
