//! Option lists: `(strategy = one_for_one, within = 5s)` after a supervisor,
//! `{ restart = transient, health = { interval = 30s } }` after a worker.
//!
//! An option list is split on its top-level commas, so a malformed option never hides the ones
//! after it. Each option is `key = value`; the value is one token tree (a word, a literal, a
//! `{ ... }` block) or `-` and a literal, or else a Rust expression. Which keys a list accepts
//! depends on its [`Place`]; a key known elsewhere gets a message saying where it belongs.
//!
//! # Literals and expressions
//!
//! A value is a literal of the DSL, read and checked here, or a Rust expression of the option's
//! runtime type ([`Given`]), checked by the type checker at the expression and by the runtime at
//! start. The rule ([`given`]): a bare identifier is a word of the DSL for the options whose
//! values are words (`strategy`, `restart`, `shutdown`, `health`, `backoff`, `auto_shutdown`,
//! `significant`: `one_for_all`, `brutal_kill`, `off`, `true`), and a variable for the others
//! (`max_children = limit`); a literal (`5s`, `3`, `"5s"`, `-1`) and a `{ .. }` block are the
//! DSL's; anything else that reads as an expression (`cfg.window`, `Duration::from_secs(n)`,
//! `Strategy::RestForOne`, `(strategy)`) is an expression.

pub(crate) mod backoff;
pub(crate) mod child;
pub(crate) mod duration;
pub(crate) mod health;
mod keys;
pub(crate) mod limits;
mod value;

use proc_macro2::{Delimiter, Group, TokenTree};
use syn::Ident;

use super::ast::{
    AutoShutdown, ChildOptions, Given, Health, RestartLimits, Scope, Setting, Strategy,
};
use crate::errors::Errors;
use crate::suggest::did_you_mean;
use crate::text::{Unknown, list};
pub(crate) use keys::Place;
use keys::{accept, expects};
use value::{Bare, RawOption, Value, given, read_value, split, store, word};

/// Every option a place may hold, each read into its type.
#[derive(Debug, Default)]
pub(crate) struct Options {
    pub strategy: Option<Setting<Strategy>>,
    pub auto_shutdown: Option<Setting<AutoShutdown>>,
    pub max_children: Option<Setting<u64>>,
    pub limits: RestartLimits,
    pub child: ChildOptions,
    pub health: Option<Setting<Health>>,
    pub groups: Option<Setting<Vec<Ident>>>,
    /// `children = { .. }` of a dynamic supervisor: its key, and the options read from it.
    pub children: Option<(Ident, Box<Options>)>,
}

impl Options {
    /// Reads the options of a `( .. )` or `{ .. }` group written at `place`.
    pub(crate) fn read(group: &Group, place: Place, errors: &mut Errors) -> Options {
        let mut options = Options::default();
        for RawOption { key, value } in split(group.stream(), place, errors) {
            let Some(name) = accept(&key, place, errors) else {
                continue;
            };
            match name.as_str() {
                "strategy" => {
                    let parsed = given(&key, &value, Bare::Word, strategy);
                    store(&mut options.strategy, key, &value, parsed, errors);
                }
                "max_restarts" | "within" | "max_children" => limits::read(
                    &key,
                    &value,
                    &mut options.limits,
                    &mut options.max_children,
                    errors,
                ),
                "auto_shutdown" => {
                    let parsed = given(&key, &value, Bare::Word, auto_shutdown);
                    store(&mut options.auto_shutdown, key, &value, parsed, errors);
                }
                "significant" => {
                    let parsed = given(&key, &value, Bare::Word, |v| {
                        word(
                            "significant",
                            "boolean",
                            "bool",
                            v,
                            &[("true", true), ("false", false)],
                        )
                    });
                    store(&mut options.child.significant, key, &value, parsed, errors);
                }
                "scope" => {
                    // A word, read at compile time: a global child changes what the tree is.
                    let parsed = read_value(&key, &value, scope).map(Given::Lit);
                    store(&mut options.child.scope, key, &value, parsed, errors);
                }
                "export" => {
                    // A word, read at compile time: it decides what the child's expansion asks
                    // of its server's type.
                    let parsed = read_value(&key, &value, export).map(Given::Lit);
                    store(&mut options.child.export, key, &value, parsed, errors);
                }
                "restart" | "shutdown" => child::read(&key, &value, &mut options.child, errors),
                "groups" => {
                    // A list of names, read at compile time (not an expression: the names are
                    // the tree's, as a child's are).
                    let parsed = read_value(&key, &value, groups).map(Given::Lit);
                    store(&mut options.groups, key, &value, parsed, errors);
                }
                "health" => health::read(&key, &value, &mut options.health, errors),
                "backoff" => backoff::read(&key, &value, &mut options.child.backoff, errors),
                "children" => match (&value, &options.children) {
                    (_, Some((first, _))) => {
                        errors.spanned(&key, "`children` is given twice");
                        errors.spanned(first, "`children` is first given here");
                    }
                    (Value::Block(group), None) => {
                        let read = Options::read(group, Place::DynamicChildren, errors);
                        options.children = Some((key, Box::new(read)));
                    }
                    (other, None) => errors.spanned(
                        other,
                        format!("`children` takes {}, found `{other}`", expects("children")),
                    ),
                },
                _ => {}
            }
        }
        options
    }
}

/// `local` or `global`: only a word, since it decides the tree's type (a tree with a global
/// child starts in a cluster).
fn scope(value: &Value) -> syn::Result<Scope> {
    const NAMES: &[&str] = &["local", "global"];
    let Value::Word(word) = value else {
        return Err(syn::Error::new_spanned(
            value,
            format!("expected a scope, one of {}; found `{value}`", list(NAMES)),
        ));
    };
    match word.to_string().as_str() {
        "local" => Ok(Scope::Local),
        "global" => Ok(Scope::Global),
        given => {
            let message = Unknown::new("scope", given)
                .expected(format_args!(
                    "one of {} (a word: the scope decides at compile time how the tree starts)",
                    list(NAMES)
                ))
                .nearest(did_you_mean(given, NAMES));
            Err(syn::Error::new(word.span(), message))
        }
    }
}

/// `true` or `false`: only a word, since it decides at compile time what the child's server
/// must be (a remote one).
fn export(value: &Value) -> syn::Result<bool> {
    const NAMES: &[&str] = &["true", "false"];
    let given = match value {
        Value::Word(word) if word == "true" => return Ok(true),
        Value::Word(word) if word == "false" => return Ok(false),
        Value::Word(word) => word.to_string(),
        _ => value.to_string(),
    };
    let mut message = format!(
        "expected `true` or `false` for `export`, found `{given}` (a word: whether a child is exported decides at compile time what its server must be)"
    );
    if let Some(nearest) = did_you_mean(&given, NAMES) {
        message.push_str(&format!("; did you mean `{nearest}`?"));
    }
    Err(syn::Error::new_spanned(value, message))
}

fn strategy(value: &Value) -> syn::Result<Strategy> {
    if let Value::Word(word) = value
        && word == "simple_one_for_one"
    {
        return Err(syn::Error::new(
            word.span(),
            "`simple_one_for_one` is written as a child of its own: `name: dynamic_supervisor<ChildType>(max_children = ..)`",
        ));
    }
    word(
        "strategy",
        "strategy",
        "Strategy",
        value,
        &[
            ("one_for_one", Strategy::OneForOne),
            ("one_for_all", Strategy::OneForAll),
            ("rest_for_one", Strategy::RestForOne),
        ],
    )
}

/// `[a, b]`: group names, each a snake_case name, none twice.
fn groups(value: &Value) -> syn::Result<Vec<Ident>> {
    use syn::parse::Parser;
    let expected = || {
        syn::Error::new_spanned(
            value,
            format!(
                "expected a list of group names such as `[workers, cache_nodes]`, found `{value}`"
            ),
        )
    };
    let Value::Malformed(tokens) = value else {
        return Err(expected());
    };
    let [TokenTree::Group(list)] = tokens.as_slice() else {
        return Err(expected());
    };
    if list.delimiter() != Delimiter::Bracket {
        return Err(expected());
    }
    let names = syn::punctuated::Punctuated::<Ident, syn::Token![,]>::parse_terminated
        .parse2(list.stream())
        .map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected group names (snake_case identifiers) separated by `,`, as in `[workers, cache_nodes]`",
            )
        })?;
    let mut seen: Vec<Ident> = Vec::new();
    for name in names {
        if let Some(problem) = super::names::invalid_name(&name.to_string()) {
            return Err(syn::Error::new(name.span(), problem));
        }
        if seen.contains(&name) {
            return Err(syn::Error::new(
                name.span(),
                format!("the group `{name}` is listed twice"),
            ));
        }
        seen.push(name);
    }
    if seen.is_empty() {
        return Err(syn::Error::new(
            list.span_close(),
            "`groups = []` puts the child in no group; list at least one, or leave `groups` out",
        ));
    }
    Ok(seen)
}

fn auto_shutdown(value: &Value) -> syn::Result<AutoShutdown> {
    word(
        "auto_shutdown",
        "auto_shutdown",
        "AutoShutdown",
        value,
        &[
            ("never", AutoShutdown::Never),
            ("any_significant", AutoShutdown::AnySignificant),
            ("all_significant", AutoShutdown::AllSignificant),
        ],
    )
}
