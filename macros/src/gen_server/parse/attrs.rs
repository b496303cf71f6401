//! The helper attributes (`#[call]`, `#[cast]`, ...): taken off the methods they mark, with
//! their near misses and the attributes people write for `init` and `terminate` reported.

use syn::{Attribute, Ident, Meta};

use crate::errors::Errors;
use crate::gen_server::ast::Kind;
use crate::suggest::did_you_mean;
use crate::text::{Unknown, list};

/// The helper attributes, as written.
const HELPERS: &[&str] = &["call", "cast", "info", "handle_continue"];

/// Names people reach for from hand-written gen_servers (or OTP), and the helper they mean.
const ALIASES: &[(&str, &str)] = &[
    ("handle_call", "call"),
    ("handle_cast", "cast"),
    ("handle_info", "info"),
    ("continue_with", "handle_continue"),
    ("continue", "handle_continue"),
];

/// Attributes of the language and of common crates that are never a misspelt helper, even
/// when they are a few letters away from one.
const NOT_HELPERS: &[&str] = &[
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "deprecated",
    "must_use",
    "inline",
    "cold",
    "track_caller",
    "doc",
    "cfg",
    "cfg_attr",
    "test",
    "ignore",
    "instrument",
    "coverage",
];

/// Removes the helper attributes (and near-misses of them, which are reported) from `attrs`,
/// returning the kinds they mark with their spans, and the callback (`init`, `terminate`) an
/// attribute such as `#[init]` (reported: callbacks are found by name) took the method for.
pub(super) fn take_helper_attrs(
    attrs: &mut Vec<Attribute>,
    fn_name: Option<&str>,
    errors: &mut Errors,
) -> (Vec<(Kind, Attribute)>, Option<&'static str>) {
    let mut markers = Vec::new();
    let mut by_name = None;
    attrs.retain(|attr| {
        let Some(name) = attr.path().get_ident().map(Ident::to_string) else {
            return true;
        };
        if let Some(callback) = ["init", "terminate"].into_iter().find(|c| *c == name) {
            let fix = if fn_name == Some(callback) {
                format!("remove `#[{callback}]`")
            } else {
                format!("name the method `{callback}` and remove `#[{callback}]`")
            };
            errors.spanned(
                attr,
                format_args!(
                    "`{callback}` is not marked with an attribute: #[gen_server] finds it by its \
                     name; {fix}"
                ),
            );
            by_name = Some(callback);
            return false;
        }
        if let Some(kind) = Kind::from_attr_name(&name) {
            if !matches!(attr.meta, Meta::Path(_)) {
                errors.spanned(
                    &attr.meta,
                    format_args!("#[{name}] takes no arguments; write `#[{name}]`"),
                );
            }
            markers.push((kind, attr.clone()));
            return false;
        }
        if NOT_HELPERS.contains(&name.as_str()) {
            return true;
        }
        let alias = ALIASES.iter().find(|(a, _)| *a == name).map(|(_, h)| *h);
        let Some(near) = alias.or_else(|| did_you_mean(&name, HELPERS)) else {
            return true;
        };
        errors.spanned(
            attr.path(),
            Unknown::new("attribute", &name)
                .then(" on a gen_server method")
                .expected(format_args!("one of {}", list(HELPERS)))
                .nearest(Some(near)),
        );
        false
    });
    (markers, by_name)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::gen_server::parse::tests::parse_errors;

    #[test]
    fn near_misses_of_helpers_are_reported_with_a_suggestion_and_stripped() {
        let (errors, emitted) = parse_errors(
            quote!(),
            quote! {
                impl S {
                    fn init() -> Self { S }
                    #[cal] fn a(&self) {}
                    #[handle_info] fn b(&mut self, m: u8) {}
                    #[inline] #[test] #[allow(dead_code)] fn c(&self) {}
                    #[my_own_attribute] fn d(&self) {}
                }
            },
        );
        assert_eq!(
            errors,
            [
                "unknown attribute `cal` on a gen_server method; expected one of `call`, `cast`, \
                 `info`, `handle_continue`; did you mean `call`?",
                "unknown attribute `handle_info` on a gen_server method; expected one of `call`, \
                 `cast`, `info`, `handle_continue`; did you mean `info`?",
            ]
        );
        let emitted = emitted.to_string();
        assert!(
            !emitted.contains("cal ]") && !emitted.contains("handle_info"),
            "{emitted}"
        );
        assert!(emitted.contains("my_own_attribute"), "{emitted}");
    }
}
