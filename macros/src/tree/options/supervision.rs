//! How a supervisor reacts to its children's ends: its `strategy` (which siblings restart with
//! a failed child), its `auto_shutdown` (whether it ends when its significant children do), and
//! a child's `significant`. Their reading, OTP's rules for them, and their emission.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

use super::value::{Bare, Value, set, word};
use crate::errors::Errors;
use crate::tree::ast::{
    AutoShutdown, ChildOptions, Given, Restart, Setting, Strategy, Supervisor, Words,
};
use crate::tree::expand::cx::{Cx, Ty};

/// Reads `strategy`, `auto_shutdown` or `significant` into its slot.
pub(super) fn read(
    key: &Ident,
    value: &Value,
    strategy: &mut Option<Setting<Strategy>>,
    auto_shutdown: &mut Option<Setting<AutoShutdown>>,
    significant: &mut Option<Setting<bool>>,
    errors: &mut Errors,
) {
    match key.to_string().as_str() {
        "strategy" => set(
            strategy,
            key,
            value,
            Bare::Word,
            self::strategy_word,
            errors,
        ),
        "auto_shutdown" => set(
            auto_shutdown,
            key,
            value,
            Bare::Word,
            auto_shutdown_word,
            errors,
        ),
        _ => set(
            significant,
            key,
            value,
            Bare::Word,
            |v| word(&BOOLS, v),
            errors,
        ),
    }
}

fn strategy_word(value: &Value) -> syn::Result<Strategy> {
    if let Value::Word(word) = value
        && word == "simple_one_for_one"
    {
        return Err(syn::Error::new(
            word.span(),
            "`simple_one_for_one` is written as a child of its own: `name: dynamic_supervisor<ChildType>(max_children = ..)`",
        ));
    }
    word(&STRATEGIES, value)
}

/// OTP's restart strategies.
const STRATEGIES: Words<Strategy> = Words {
    key: "strategy",
    what: "strategy",
    ty: "Strategy",
    words: &[
        ("one_for_one", Strategy::OneForOne, "OneForOne"),
        ("one_for_all", Strategy::OneForAll, "OneForAll"),
        ("rest_for_one", Strategy::RestForOne, "RestForOne"),
    ],
};

/// OTP 24's `auto_shutdown`.
const AUTO_SHUTDOWNS: Words<AutoShutdown> = Words {
    key: "auto_shutdown",
    what: "auto_shutdown",
    ty: "AutoShutdown",
    words: &[
        ("never", AutoShutdown::Never, "Never"),
        (
            "any_significant",
            AutoShutdown::AnySignificant,
            "AnySignificant",
        ),
        (
            "all_significant",
            AutoShutdown::AllSignificant,
            "AllSignificant",
        ),
    ],
};

const BOOLS: Words<bool> = Words {
    key: "significant",
    what: "boolean",
    ty: "bool",
    words: &[("true", true, "true"), ("false", false, "false")],
};

fn auto_shutdown_word(value: &Value) -> syn::Result<AutoShutdown> {
    word(&AUTO_SHUTDOWNS, value)
}

/// OTP's rules for significant children, against their supervisor `name`: only transient
/// and temporary children may be significant, and only under an `auto_shutdown` that is
/// not `never`.
pub(crate) fn check(name: &Ident, supervisor: &Supervisor, errors: &mut Errors) {
    // An `auto_shutdown` given as an expression may shut down: the runtime checks it.
    let shuts_down = supervisor
        .auto_shutdown
        .as_ref()
        .is_some_and(|s| s.lit() != Some(&AutoShutdown::Never));
    for child in &supervisor.children {
        let options = child.kind.child_options();
        let Some(setting) = options
            .significant
            .as_ref()
            .filter(|s| s.lit() == Some(&true))
        else {
            continue;
        };
        if options.restart_or_default() == Some(Restart::Permanent) {
            errors.spanned(
                &setting.key,
                format!(
                    "a permanent child can't be `significant`: `{}` would be restarted whatever its exit, so it never ends by itself; make it `restart = transient` (ended for good by a normal exit) or `restart = temporary`",
                    child.name
                ),
            );
        }
        if !shuts_down {
            let now = match &supervisor.auto_shutdown {
                Some(_) => "is `auto_shutdown = never`",
                None => "has no `auto_shutdown`",
            };
            errors.spanned(
                &setting.key,
                format!(
                    "`significant` has no effect: supervisor `{name}` {now}; give it `auto_shutdown = any_significant` (or `all_significant`) to shut down when `{}` ends",
                    child.name
                ),
            );
        }
    }
}

/// `.significant(..)` of a child: nothing for `false`, the runtime's default.
pub(crate) fn emit_significant(cx: &Cx, options: &ChildOptions) -> TokenStream {
    let mut calls = TokenStream::new();
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

/// `.strategy(..)` of a supervisor, when it is given.
pub(crate) fn strategy(cx: &Cx, strategy: &Option<Setting<Strategy>>) -> TokenStream {
    let Some(strategy) = strategy else {
        return TokenStream::new();
    };
    let value = cx.word(strategy, Ty::Strategy, &STRATEGIES);
    quote!(.strategy(#value))
}

/// `.auto_shutdown(..)` of a supervisor, when it is given.
pub(crate) fn auto_shutdown(cx: &Cx, auto_shutdown: &Option<Setting<AutoShutdown>>) -> TokenStream {
    let Some(setting) = auto_shutdown else {
        return TokenStream::new();
    };
    let value = cx.word(setting, Ty::AutoShutdown, &AUTO_SHUTDOWNS);
    quote!(.auto_shutdown(#value))
}
