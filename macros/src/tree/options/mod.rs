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
pub(crate) mod cluster;
pub(crate) mod duration;
pub(crate) mod groups;
pub(crate) mod health;
mod keys;
pub(crate) mod krate;
pub(crate) mod limits;
pub(crate) mod supervision;
mod value;

use proc_macro2::{Delimiter, Group};
use syn::Ident;

use super::ast::{AutoShutdown, ChildOptions, Health, RestartLimits, Setting, Strategy};
use crate::errors::Errors;
pub(crate) use keys::Place;
use keys::{accept, expects};
use value::{RawOption, Value, split};

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
    /// `crate = path` of the root.
    pub krate: Option<Setting<syn::Path>>,
    /// `children = { .. }` of a dynamic supervisor: its key, and the options read from it.
    pub children: Option<(Ident, Box<Options>)>,
}

impl Options {
    /// The options of the `( .. )` or `{ .. }` (by `delimiter`) next in `input` at `place`;
    /// none when no such group is next.
    pub(crate) fn read_next(
        input: syn::parse::ParseStream,
        delimiter: Delimiter,
        place: Place,
        errors: &mut Errors,
    ) -> syn::Result<Options> {
        let next = match delimiter {
            Delimiter::Brace => input.peek(syn::token::Brace),
            _ => input.peek(syn::token::Paren),
        };
        if !next {
            return Ok(Options::default());
        }
        Ok(Options::read(&input.parse::<Group>()?, place, errors))
    }

    /// Reads the options of a `( .. )` or `{ .. }` group written at `place`.
    pub(crate) fn read(group: &Group, place: Place, errors: &mut Errors) -> Options {
        let mut options = Options::default();
        for RawOption { key, value } in split(group.stream(), place, errors) {
            let Some(name) = accept(&key, place, errors) else {
                continue;
            };
            match name.as_str() {
                "strategy" | "auto_shutdown" | "significant" => supervision::read(
                    &key,
                    &value,
                    &mut options.strategy,
                    &mut options.auto_shutdown,
                    &mut options.child.significant,
                    errors,
                ),
                "max_restarts" | "within" | "max_children" => limits::read(
                    &key,
                    &value,
                    &mut options.limits,
                    &mut options.max_children,
                    errors,
                ),
                "scope" | "export" => cluster::read(&key, &value, &mut options.child, errors),
                "restart" | "shutdown" => child::read(&key, &value, &mut options.child, errors),
                "crate" => krate::read(&key, &value, &mut options.krate, errors),
                "groups" => groups::read(&key, &value, &mut options.groups, errors),
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

#[cfg(test)]
mod tests;
