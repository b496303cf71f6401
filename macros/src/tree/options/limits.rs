//! Restart limits: `max_restarts` and `within` of a supervisor or a dynamic_supervisor (OTP's
//! intensity and period: at most `max_restarts` restarts in any window of `within`, or the
//! supervisor gives up), and a dynamic_supervisor's `max_children`. Their reading, their ranges
//! and their emission.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use syn::Ident;

use super::value::{Bare, Value, count, duration, set};
use crate::errors::Errors;
use crate::tree::ast::{ChildOptions, Node, Restart, RestartLimits, Setting};
use crate::tree::expand::cx::{Cx, Ty, u32_lit};

/// The largest `max_restarts` a literal may give.
const MAX_RESTARTS: u64 = 10_000;

/// Reads `max_restarts`, `within` or `max_children` into its slot.
pub(super) fn read(
    key: &Ident,
    value: &Value,
    limits: &mut RestartLimits,
    max_children: &mut Option<Setting<u64>>,
    errors: &mut Errors,
) {
    let name = key.to_string();
    match name.as_str() {
        "max_restarts" => set(
            &mut limits.max_restarts,
            key,
            value,
            Bare::Variable,
            |v| count(&name, v),
            errors,
        ),
        "within" => set(
            &mut limits.within,
            key,
            value,
            Bare::Variable,
            |v| duration(&name, v),
            errors,
        ),
        _ => set(
            max_children,
            key,
            value,
            Bare::Variable,
            |v| count(&name, v),
            errors,
        ),
    }
}

/// Restart limits of a static supervisor over its listed children.
pub(crate) fn check_supervisor(
    limits: &RestartLimits,
    name: &Ident,
    children: &[Node],
    errors: &mut Errors,
) {
    window(limits, errors);
    let Some(max) = max_restarts(limits, errors) else {
        return;
    };
    if max.lit() != Some(&0) {
        return;
    }
    // A restart type given as an expression is only known at run time: not counted.
    let restarted: Vec<String> = children
        .iter()
        .filter_map(|child| {
            let restart = child.kind.child_options().restart_or_default()?;
            (restart != Restart::Temporary)
                .then(|| format!("`{}` ({})", child.name, restart.name()))
        })
        .collect();
    if !restarted.is_empty() {
        errors.at(
            max.span,
            format!(
                "`max_restarts = 0` lets `{name}` restart no child, yet {} would be restarted; allow at least 1 restart, or make them `restart = temporary`",
                restarted.join(", ")
            ),
        );
    }
}

/// Restart limits of a dynamic supervisor over the children it will start.
pub(crate) fn check_dynamic(
    limits: &RestartLimits,
    name: &Ident,
    children: &ChildOptions,
    errors: &mut Errors,
) {
    window(limits, errors);
    if let Some(max) = max_restarts(limits, errors)
        && max.lit() == Some(&0)
        && let Some(restart) = children.restart_or_default()
        && restart != Restart::Temporary
    {
        errors.at(
            max.span,
            format!(
                "`max_restarts = 0` lets `{name}` restart no child, yet its children are {}; allow at least 1 restart, or write `children = {{ restart = temporary }}`",
                restart.name()
            ),
        );
    }
}

fn window(limits: &RestartLimits, errors: &mut Errors) {
    if let Some(within) = &limits.within
        && within.lit().is_some_and(|within| within.millis == 0)
    {
        errors.at(
            within.span,
            "`within` can't be zero: it is the window in which restarts are counted, as in `within = 5s`",
        );
    }
}

/// `max_restarts` when it is in range (an out-of-range one is reported).
fn max_restarts<'s>(limits: &'s RestartLimits, errors: &mut Errors) -> Option<&'s Setting<u64>> {
    let max = limits.max_restarts.as_ref()?;
    if let Some(&value) = max.lit()
        && value > MAX_RESTARTS
    {
        errors.at(
            max.span,
            format!("`max_restarts` must be between 0 and {MAX_RESTARTS}, found {value}"),
        );
        return None;
    }
    Some(max)
}

/// `max_children` in `1..=u32::MAX`.
pub(crate) fn check_max_children(max_children: &Option<Setting<u64>>, errors: &mut Errors) {
    if let Some(max) = max_children
        && let Some(&value) = max.lit()
        && !(1..=u64::from(u32::MAX)).contains(&value)
    {
        errors.at(
            max.span,
            format!(
                "`max_children` must be between 1 and {}, found {}; leave it out for no limit",
                u32::MAX,
                value
            ),
        );
    }
}

/// `(max_restarts, within)`, when either is given (the other takes its default).
pub(crate) fn intensity_value(cx: &Cx, limits: &RestartLimits) -> Option<TokenStream> {
    let rt = &cx.rt;
    if limits.max_restarts.is_none() && limits.within.is_none() {
        return None;
    }
    let max = limits.max_restarts.as_ref().map_or_else(
        || quote!(#rt::DEFAULT_MAX_RESTARTS),
        |max| {
            cx.value(max, Ty::U32, |max| {
                let max = u32_lit(*max);
                quote!(#max)
            })
        },
    );
    let within = limits
        .within
        .as_ref()
        .map_or_else(|| quote!(#rt::DEFAULT_WITHIN), |within| cx.duration(within));
    Some(quote!(#max, #within))
}

/// `.intensity(max_restarts, within)` of a supervisor.
pub(crate) fn intensity(cx: &Cx, limits: &RestartLimits) -> TokenStream {
    match intensity_value(cx, limits) {
        Some(value) => quote!(.intensity(#value)),
        None => TokenStream::new(),
    }
}

/// The value of `max_children`, when it is given (clamped to what validation allows, for the
/// best-effort expansion of an invalid tree).
pub(crate) fn max_children(cx: &Cx, max_children: &Option<Setting<u64>>) -> Option<TokenStream> {
    Some(cx.value(max_children.as_ref()?, Ty::Usize, |max| {
        let max = Literal::u64_unsuffixed((*max).min(u64::from(u32::MAX)));
        quote!(#max)
    }))
}
