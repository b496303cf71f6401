//! `backoff`: the delay before each restart of a child, `off`, `on` (the macro's defaults) or
//! `{ initial, factor, max }`. Its reading, its checks and its emission (the runtime's
//! `Backoff` has no defaults, so the expansion picks them for `on` and for the fields left out).

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use syn::Ident;

use super::keys::Place;
use super::value::{Value, duration, factor, in_range, nonzero, set_toggle, set_variable};
use crate::errors::Errors;
use crate::tree::ast::{Backoff, BackoffPolicy, ChildOptions, Given, Restart, Setting};
use crate::tree::expand::cx::{Cx, Ty, duration as emit_duration};

/// The first delay of `backoff = on`: 100 ms.
pub(crate) const BACKOFF_INITIAL_MS: u64 = 100;
/// The growth of `backoff = on`: doubles at each attempt.
pub(crate) const BACKOFF_FACTOR: f64 = 2.0;
/// The longest delay of `backoff = on`: 10 s (never shorter than `initial`).
pub(crate) const BACKOFF_MAX_MS: u64 = 10_000;

/// The largest `factor` a literal may give.
const MAX_FACTOR: f64 = 100.0;

/// Reads `backoff = ..` into its slot.
pub(super) fn read(
    key: &Ident,
    value: &Value,
    slot: &mut Option<Setting<Backoff>>,
    errors: &mut Errors,
) {
    let example = "backoff = { initial = 100ms, factor = 2, max = 5s }";
    let toggle = (Backoff::Off, Backoff::On as fn(BackoffPolicy) -> Backoff);
    set_toggle(
        slot,
        key,
        value,
        Place::Backoff,
        example,
        toggle,
        |policy: &mut BackoffPolicy, name, key, value, errors| match name {
            "initial" => set_variable(
                &mut policy.initial,
                key,
                value,
                |v| duration(name, v),
                errors,
            ),
            "factor" => set_variable(&mut policy.factor, key, value, factor, errors),
            _ => set_variable(&mut policy.max, key, value, |v| duration(name, v), errors),
        },
        errors,
    );
}

/// `backoff` on a child that is restarted, its delays not zero, its `factor` in range, its
/// `max` not shorter than its `initial`.
pub(crate) fn check(child: &ChildOptions, errors: &mut Errors) {
    let Some(Setting {
        key,
        value: Given::Lit(Backoff::On(policy)),
        ..
    }) = &child.backoff
    else {
        return;
    };
    if let Some(restart) = &child.restart
        && restart.lit() == Some(&Restart::Temporary)
    {
        errors.spanned(
            key,
            "`backoff` can't take effect on a `temporary` child: it is never restarted, so there is no restart to delay; remove `backoff`, or make the child `transient` or `permanent`",
        );
        return;
    }
    nonzero(&policy.initial, "the first delay before a restart", errors);
    nonzero(&policy.max, "the longest delay before a restart", errors);
    in_range(&policy.factor, 1.0..=MAX_FACTOR, errors, |value| {
        format!(
            "`factor` must be between 1 and {MAX_FACTOR}, found {value}: it multiplies the delay after each attempt (1 keeps it constant)",
        )
    });
    if let (Some(initial), Some(max)) = (&policy.initial, &policy.max)
        && let (Some(initial), Some(max_value)) = (initial.lit(), max.lit())
        && max_value.millis < initial.millis
    {
        errors.at(
            max.span,
            format!(
                "`max = {max_value}` is shorter than `initial = {initial}`: the delay grows from `initial` up to `max`",
            ),
        );
    }
}

/// `Backoff { .. }` for `backoff = on` or `{ .. }` (`off` is the runtime's default: none), or
/// the `Option<Backoff>` of an expression; `optional` says which it is.
pub(crate) fn emit(cx: &Cx, options: &ChildOptions) -> Option<(TokenStream, bool)> {
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
        None => emit_duration(BACKOFF_INITIAL_MS),
    };
    let max = match (&policy.max, initial_lit) {
        (Some(max), _) => cx.duration(max),
        (None, None) => emit_duration(BACKOFF_MAX_MS),
        (None, Some(Some(initial_ms))) => emit_duration(BACKOFF_MAX_MS.max(initial_ms)),
        // `initial` from an expression: `max` is never shorter, as for a literal.
        (None, Some(None)) => {
            let max = emit_duration(BACKOFF_MAX_MS);
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
        quote!(#rt::Backoff { initial: #initial, factor: #factor, max: #max }),
        false,
    ))
}
