//! How a supervisor treats a child: `restart` (OTP's restart type: is it restarted after it
//! ends) and `shutdown` (how long it is given to stop). Their reading, their check and their
//! emission.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

use super::value::{Bare, Value, duration, set, variable_hint, word};
use crate::errors::Errors;
use crate::suggest::did_you_mean;
use crate::text::Unknown;
use crate::tree::ast::{ChildOptions, Duration, Restart, Shutdown, Words};
use crate::tree::expand::cx::{Cx, Ty, duration as emit_duration};

/// Reads `restart` or `shutdown` into its slot.
pub(super) fn read(key: &Ident, value: &Value, child: &mut ChildOptions, errors: &mut Errors) {
    if key == "restart" {
        set(&mut child.restart, key, value, Bare::Word, restart, errors);
    } else {
        set(
            &mut child.shutdown,
            key,
            value,
            Bare::Word,
            shutdown,
            errors,
        );
    }
}

/// OTP's restart types.
const RESTARTS: Words<Restart> = Words {
    key: "restart",
    what: "restart type",
    ty: "Restart",
    words: &[
        ("permanent", Restart::Permanent, "Permanent"),
        ("transient", Restart::Transient, "Transient"),
        ("temporary", Restart::Temporary, "Temporary"),
    ],
};

fn restart(value: &Value) -> syn::Result<Restart> {
    word(&RESTARTS, value)
}

fn shutdown(value: &Value) -> syn::Result<Shutdown> {
    const WORDS: &[&str] = &["brutal_kill", "infinity"];
    match value {
        Value::Word(word) if word == "brutal_kill" => Ok(Shutdown::BrutalKill),
        Value::Word(word) if word == "infinity" => Ok(Shutdown::Infinity),
        Value::Word(word) => {
            let given = word.to_string();
            let nearest = did_you_mean(&given, WORDS);
            let mut message = Unknown::new("shutdown", &given)
                .expected("`brutal_kill`, `infinity` or a duration such as `5s`")
                .nearest(nearest);
            if nearest.is_none() {
                message = message.then(variable_hint("shutdown", word, "Shutdown"));
            }
            Err(syn::Error::new(word.span(), message))
        }
        Value::Block(_) => Err(syn::Error::new_spanned(
            value,
            "expected `brutal_kill`, `infinity` or a duration such as `5s` for `shutdown`",
        )),
        _ => duration("shutdown", value).map(Shutdown::Timeout),
    }
}

/// A zero `shutdown` timeout.
pub(crate) fn check(child: &ChildOptions, errors: &mut Errors) {
    if let Some(shutdown) = &child.shutdown
        && shutdown.lit() == Some(&Shutdown::Timeout(Duration { millis: 0 }))
    {
        errors.at(
            shutdown.span,
            "`shutdown` can't be zero; to stop the child without waiting, write `shutdown = brutal_kill`",
        );
    }
}

/// `Restart::Transient`
pub(crate) fn emit_restart(cx: &Cx, options: &ChildOptions) -> Option<TokenStream> {
    Some(cx.word(options.restart.as_ref()?, Ty::Restart, &RESTARTS))
}

/// `Shutdown::Timeout(..)`
pub(crate) fn emit_shutdown(cx: &Cx, options: &ChildOptions) -> Option<TokenStream> {
    let rt = &cx.rt;
    Some(
        cx.value(options.shutdown.as_ref()?, Ty::Shutdown, |shutdown| {
            let value = match shutdown {
                Shutdown::BrutalKill => quote!(BrutalKill),
                Shutdown::Infinity => quote!(Infinity),
                Shutdown::Timeout(timeout) => {
                    let timeout = emit_duration(timeout.millis);
                    quote!(Timeout(#timeout))
                }
            };
            quote!(#rt::Shutdown::#value)
        }),
    )
}
