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

pub(crate) mod duration;

use std::fmt;

use proc_macro2::{Delimiter, Group, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt};
use syn::{Ident, Lit};

use super::ast::{
    AutoShutdown, Backoff, BackoffPolicy, ChildOptions, Duration, Given, Health, HealthCheck,
    Restart, RestartLimits, Scope, Setting, Shutdown, Strategy,
};
use crate::errors::Errors;
use crate::suggest::did_you_mean;
use crate::text::{Unknown, list, type_name};
use duration::EXAMPLES;

/// Where an option list is written; decides which keys it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// `supervisor( .. )` of the root: it has no parent, so only its own options.
    Root,
    /// `supervisor( .. )` of a nested supervisor: its own options and how its parent treats it.
    Supervisor,
    /// `dynamic_supervisor<T>( .. )`
    Dynamic,
    /// `dynamic_supervisor<T>(children = { .. })`: options of the children it will start.
    DynamicChildren,
    /// `Type(args) { .. }`
    Server,
    /// `task(f, args) { .. }`
    Task,
    /// `health = { .. }`
    Health,
    /// `backoff = { .. }`
    Backoff,
}

impl Place {
    pub(crate) fn allowed(self) -> &'static [&'static str] {
        match self {
            Place::Root => &["strategy", "max_restarts", "within", "auto_shutdown"],
            Place::Supervisor => &[
                "strategy",
                "max_restarts",
                "within",
                "auto_shutdown",
                "restart",
                "shutdown",
                "backoff",
                "significant",
            ],
            Place::Dynamic => &[
                "max_children",
                "max_restarts",
                "within",
                "restart",
                "shutdown",
                "backoff",
                "children",
                "significant",
            ],
            Place::DynamicChildren => &["restart", "shutdown", "health", "backoff"],
            Place::Server => &[
                "restart",
                "shutdown",
                "health",
                "backoff",
                "significant",
                "groups",
                "scope",
                "export",
            ],
            Place::Task => &["restart", "shutdown", "backoff", "significant", "scope"],
            Place::Health => &["interval", "timeout", "failures"],
            Place::Backoff => &["initial", "factor", "max"],
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Place::Root => "the root supervisor",
            Place::Supervisor => "a supervisor",
            Place::Dynamic => "a dynamic_supervisor",
            Place::DynamicChildren => "the children of a dynamic_supervisor",
            Place::Server => "a gen_server child",
            Place::Task => "a task child",
            Place::Health => "`health`",
            Place::Backoff => "`backoff`",
        }
    }

    /// Why a key that is valid somewhere else is not valid here.
    fn misplaced(self, key: &str) -> Option<String> {
        let allowed = list(self.allowed());
        let reason = match (key, self) {
            ("health", Place::Task) => {
                "health checks ping a gen_server; a task child has no mailbox to answer them"
            }
            ("health", Place::Supervisor | Place::Root) => {
                "health checks ping gen_server children; a supervisor is not pinged"
            }
            ("health", Place::Dynamic) => {
                "health checks ping gen_server children; a dynamic_supervisor is not pinged (to check the children it starts, write `children = { health = .. }`)"
            }
            ("children", _) => {
                return Some(format!(
                    "`children` holds the options of the children a dynamic_supervisor starts; {} has none; allowed here: {allowed}",
                    self.describe()
                ));
            }
            ("groups", Place::Task | Place::Supervisor | Place::Dynamic) => {
                "`groups` puts a gen_server child in process groups; only a gen_server is a member a group can call or cast to"
            }
            ("export", Place::Task) => {
                "a task child has no mailbox to call: only a gen_server child can be called from other nodes"
            }
            ("export", Place::Supervisor | Place::Root | Place::Dynamic) => {
                "a supervisor is not called from other nodes: mark the gen_server children of the root that are `{ scope = global, export = true }`"
            }
            ("export", Place::DynamicChildren) => {
                "the children of a dynamic_supervisor run on the node that starts them and have no global name to be called by"
            }
            ("scope", Place::Supervisor | Place::Root) => {
                "a supervisor is not global: mark the gen_server and task children of the root that must run once in the cluster `scope = global`"
            }
            ("scope", Place::Dynamic) => {
                "a dynamic_supervisor is not global: the children it starts run on the node that starts them"
            }
            ("scope", Place::DynamicChildren) => {
                "the children of a dynamic_supervisor run on the node that starts them; they can't be global"
            }
            ("auto_shutdown", Place::Dynamic) => {
                "a dynamic_supervisor has no `auto_shutdown`: it does not shut down when its children end (OTP refuses it for simple_one_for_one)"
            }
            ("significant", Place::DynamicChildren) => {
                "the children of a dynamic_supervisor can't be `significant`: a dynamic_supervisor has no `auto_shutdown`"
            }
            ("auto_shutdown", _) => {
                return Some(format!(
                    "`auto_shutdown` is an option of a supervisor, not of {}; allowed here: {allowed}",
                    self.describe()
                ));
            }
            ("strategy", Place::Dynamic) => {
                "a dynamic_supervisor has no `strategy`: the children it starts are independent, as with `one_for_one`"
            }
            ("strategy" | "max_restarts" | "within", _) => {
                return Some(format!(
                    "`{key}` is an option of a supervisor, not of {}; allowed here: {allowed}",
                    self.describe()
                ));
            }
            ("restart" | "shutdown" | "backoff" | "significant", Place::Root) => {
                "the root supervisor has no parent to restart or stop it"
            }
            ("max_children", Place::Supervisor | Place::Root) => {
                "`max_children` is an option of a dynamic_supervisor; a supervisor has exactly the children listed in its `{ .. }`"
            }
            ("max_children", _) => {
                return Some(format!(
                    "`max_children` is an option of a dynamic_supervisor, not of {}; allowed here: {allowed}",
                    self.describe()
                ));
            }
            ("interval" | "timeout" | "failures", Place::Server | Place::DynamicChildren) => {
                return Some(format!(
                    "`{key}` is a setting of the health check: write `health = {{ {key} = .. }}`"
                ));
            }
            ("initial" | "factor" | "max", Place::Health) => {
                return Some(format!(
                    "`{key}` is a setting of `backoff`, not of `health`; allowed here: {allowed}"
                ));
            }
            ("interval" | "timeout" | "failures", Place::Backoff) => {
                return Some(format!(
                    "`{key}` is a setting of `health`, not of `backoff`; allowed here: {allowed}"
                ));
            }
            ("initial" | "factor" | "max", _) => {
                return Some(format!(
                    "`{key}` is a setting of the restart delay: write `backoff = {{ {key} = .. }}`"
                ));
            }
            (
                "restart" | "shutdown" | "backoff" | "health" | "significant",
                Place::Health | Place::Backoff,
            ) => {
                return Some(format!(
                    "`{key}` is an option of a child, not of {}; allowed here: {allowed}",
                    self.describe()
                ));
            }
            _ => return None,
        };
        Some(format!("{reason}; allowed here: {allowed}"))
    }
}

/// Every key of every place, for "known, but not here" messages.
const ALL_KEYS: &[&str] = &[
    "strategy",
    "max_restarts",
    "within",
    "max_children",
    "auto_shutdown",
    "restart",
    "shutdown",
    "significant",
    "groups",
    "scope",
    "export",
    "health",
    "backoff",
    "interval",
    "timeout",
    "failures",
    "initial",
    "factor",
    "max",
    "children",
];

/// OTP's (and other libraries') names for options, and the option they mean here.
const OTHER_WORDS: &[(&str, &str)] = &[
    ("intensity", "max_restarts"),
    ("max_intensity", "max_restarts"),
    ("max_r", "max_restarts"),
    ("maxr", "max_restarts"),
    ("restart_intensity", "max_restarts"),
    ("period", "within"),
    ("max_t", "within"),
    ("maxt", "within"),
    ("max_seconds", "within"),
    ("restart_period", "within"),
    ("window", "within"),
    ("restart_strategy", "strategy"),
    ("restart_type", "restart"),
    ("type", "restart"),
    ("health_check", "health"),
    ("ping", "health"),
    ("restart_delay", "backoff"),
    ("delay", "backoff"),
    ("shutdown_timeout", "shutdown"),
    ("max_workers", "max_children"),
    ("threshold", "failures"),
    ("max_failures", "failures"),
    ("every", "interval"),
    ("multiplier", "factor"),
];

/// Words that are values of a key: `{ permanent }` means `{ restart = permanent }`.
const VALUE_WORDS: &[(&str, &str)] = &[
    ("one_for_one", "strategy"),
    ("one_for_all", "strategy"),
    ("rest_for_one", "strategy"),
    ("permanent", "restart"),
    ("transient", "restart"),
    ("temporary", "restart"),
    ("brutal_kill", "shutdown"),
    ("infinity", "shutdown"),
    ("never", "auto_shutdown"),
    ("any_significant", "auto_shutdown"),
    ("all_significant", "auto_shutdown"),
    ("global", "scope"),
];

/// An option's value, as written: the tokens after `=`, sorted by shape.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// `one_for_one`, `off`
    Word(Ident),
    /// `5s`, `3`, `1.5`
    Lit(Lit),
    /// `-3`
    Negative(Punct, Lit),
    /// `{ interval = 30s }`
    Block(Group),
    /// `key =` and nothing after it; holds the `=`.
    Missing(Punct),
    /// Anything else.
    Malformed(Vec<TokenTree>),
}

impl Value {
    /// Sorts the tokens after the `=` of an option.
    pub(crate) fn classify(mut tokens: Vec<TokenTree>, eq: Punct) -> Value {
        // A value passed through a `macro_rules!` fragment arrives in an invisible group.
        while let [TokenTree::Group(group)] = tokens.as_slice() {
            if group.delimiter() != Delimiter::None {
                break;
            }
            tokens = group.stream().into_iter().collect();
        }
        match tokens.as_slice() {
            [] => Value::Missing(eq),
            [TokenTree::Ident(word)] => Value::Word(word.clone()),
            [TokenTree::Literal(lit)] => Value::Lit(Lit::new(lit.clone())),
            [TokenTree::Punct(minus), TokenTree::Literal(lit)] if minus.as_char() == '-' => {
                Value::Negative(minus.clone(), Lit::new(lit.clone()))
            }
            [TokenTree::Group(group)] if group.delimiter() == Delimiter::Brace => {
                Value::Block(group.clone())
            }
            _ => Value::Malformed(tokens),
        }
    }

    /// The span of the whole value (of the `=` when it is missing).
    pub(crate) fn span(&self) -> Span {
        match self {
            Value::Word(word) => word.span(),
            Value::Lit(lit) => lit.span(),
            Value::Negative(minus, _) => minus.span(),
            Value::Block(group) => group.span(),
            Value::Missing(eq) => eq.span(),
            Value::Malformed(tokens) => tokens.first().map_or_else(Span::call_site, |t| t.span()),
        }
    }
}

impl ToTokens for Value {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Value::Word(word) => word.to_tokens(tokens),
            Value::Lit(lit) => lit.to_tokens(tokens),
            Value::Negative(minus, lit) => {
                tokens.append(minus.clone());
                lit.to_tokens(tokens);
            }
            Value::Block(group) => tokens.append(group.clone()),
            Value::Missing(eq) => tokens.append(eq.clone()),
            Value::Malformed(trees) => tokens.extend(trees.iter().cloned()),
        }
    }
}

impl fmt::Display for Value {
    /// As the user wrote it (`Strategy::RestForOne`, not `Strategy :: RestForOne`).
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Value::Block(_) => f.write_str("{ .. }"),
            Value::Missing(_) => f.write_str("nothing"),
            _ => f.write_str(&type_name(&self.to_token_stream())),
        }
    }
}

/// What the option `key` takes, for messages about a missing or unreadable value.
pub(crate) fn expects(key: &str) -> &'static str {
    match key {
        "strategy" => "one of `one_for_one`, `one_for_all`, `rest_for_one`",
        "restart" => "one of `permanent`, `transient`, `temporary`",
        "shutdown" => "`brutal_kill`, `infinity` or a duration such as `5s`",
        "max_restarts" | "max_children" | "failures" => "a whole number such as `3`",
        "within" | "interval" | "timeout" | "initial" | "max" => {
            "a duration such as `500ms`, `5s`, `1m` or `2h`"
        }
        "factor" => "a number such as `2` or `1.5`",
        "health" => "`off`, `on` or `{ interval = 30s, timeout = 5s, failures = 3 }`",
        "backoff" => "`off`, `on` or `{ initial = 100ms, factor = 2, max = 10s }`",
        "children" => {
            "a block of options of the children it starts, such as `{ restart = temporary }`"
        }
        "auto_shutdown" => "one of `never`, `any_significant`, `all_significant`",
        "groups" => "a list of group names such as `[workers, cache_nodes]`",
        "significant" => "`true` or `false`",
        "scope" => "`local` or `global`",
        "export" => "`true` or `false`",
        _ => "a value",
    }
}

/// Reads `value` with `read`; a value in quotes whose text would be read (`"5s"`,
/// `"one_for_all"`) is refused with the unquoted spelling, a missing one with what it takes.
fn read_value<T>(
    key: &Ident,
    value: &Value,
    mut read: impl FnMut(&Value) -> syn::Result<T>,
) -> syn::Result<T> {
    match value {
        Value::Missing(eq) => Err(syn::Error::new(
            eq.span(),
            format!(
                "`{key}` needs a value after `=`: {}",
                expects(&key.to_string())
            ),
        )),
        Value::Lit(Lit::Str(text)) => {
            let unquoted = text.value();
            let inner = unquoted.parse::<TokenStream>().ok().map(|tokens| {
                let trees: Vec<TokenTree> = tokens
                    .into_iter()
                    .map(|mut tree| {
                        tree.set_span(text.span());
                        tree
                    })
                    .collect();
                Value::classify(trees, Punct::new('=', Spacing::Alone))
            });
            match inner {
                Some(inner @ (Value::Word(_) | Value::Lit(_))) if read(&inner).is_ok() => {
                    Err(syn::Error::new(
                        text.span(),
                        format!(
                            "option values are written without quotes: write `{key} = {}`",
                            type_name(&inner.to_token_stream())
                        ),
                    ))
                }
                _ => read(value),
            }
        }
        _ => read(value),
    }
}

/// Whether a bare identifier is a word of the DSL for an option (`strategy = one_for_all`) or
/// a variable (`max_children = limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bare {
    Word,
    Variable,
}

/// Reads the value of an option: a Rust expression (see the module's docs), or a literal read
/// with `read` (through [`read_value`]).
fn given<T>(
    key: &Ident,
    value: &Value,
    bare: Bare,
    read: impl FnMut(&Value) -> syn::Result<T>,
) -> syn::Result<Given<T>> {
    if let Some(expr) = expression(value, bare) {
        return Ok(Given::Expr(Box::new(expr)));
    }
    read_value(key, value, read).map(Given::Lit)
}

/// The value as a Rust expression, if the rule of the module's docs makes it one.
fn expression(value: &Value, bare: Bare) -> Option<syn::Expr> {
    match value {
        Value::Word(word) if bare == Bare::Variable => Some(syn::Expr::Path(syn::ExprPath {
            attrs: Vec::new(),
            qself: None,
            path: word.clone().into(),
        })),
        Value::Malformed(tokens) => syn::parse2(tokens.iter().cloned().collect()).ok(),
        _ => None,
    }
}

/// A hint for a word that is no word of an option: a variable of the option's type is written
/// in parentheses.
fn variable_hint(key: &str, word: &Ident, ty: &str) -> String {
    format!("; if `{word}` is a variable of type `{ty}`, write `{key} = ({word})`")
}

/// One `key = value` of a list.
#[derive(Debug, Clone)]
pub(crate) struct RawOption {
    pub key: Ident,
    pub value: Value,
}

/// Splits the contents of an option list into options; malformed ones are reported and skipped.
pub(crate) fn split(stream: TokenStream, place: Place, errors: &mut Errors) -> Vec<RawOption> {
    let mut options = Vec::new();
    let mut segment = Vec::new();
    let mut trees = stream.into_iter().peekable();
    loop {
        match trees.next() {
            Some(TokenTree::Punct(comma)) if comma.as_char() == ',' => {
                if segment.is_empty() {
                    errors.spanned(&comma, "expected an option before this `,`");
                } else if let Some(option) = one(std::mem::take(&mut segment), place, errors) {
                    options.push(option);
                }
            }
            Some(tree) => segment.push(tree),
            None => {
                if !segment.is_empty()
                    && let Some(option) = one(segment, place, errors)
                {
                    options.push(option);
                }
                return options;
            }
        }
    }
}

/// Reads `key = value` from the tokens between two commas.
fn one(segment: Vec<TokenTree>, place: Place, errors: &mut Errors) -> Option<RawOption> {
    let mut trees = segment.into_iter();
    let key = match trees.next() {
        Some(TokenTree::Ident(key)) => key,
        Some(other) => {
            errors.spanned(
                &other,
                format!(
                    "expected an option of {} ({}), found `{other}`",
                    place.describe(),
                    list(place.allowed())
                ),
            );
            return None;
        }
        None => return None,
    };
    let eq = match trees.next() {
        Some(TokenTree::Punct(eq)) if eq.as_char() == '=' => eq,
        Some(TokenTree::Punct(colon))
            if colon.as_char() == ':' && place == Place::DynamicChildren =>
        {
            errors.spanned(
                &colon,
                "a dynamic_supervisor lists no children: it starts them at run time with `start_child`; the `{ .. }` after it holds options of those children, such as `restart = temporary`",
            );
            return None;
        }
        Some(other) => {
            errors.spanned(
                &other,
                format!(
                    "expected `=` after `{key}`, found `{other}`: options are written `key = value`"
                ),
            );
            return None;
        }
        None => {
            let word = key.to_string();
            let message = match VALUE_WORDS.iter().find(|(value, _)| *value == word) {
                Some((value, of)) => format!("`{value}` needs its key: write `{of} = {value}`"),
                None => format!("`{word}` needs a value: write `{word} = ..`"),
            };
            errors.spanned(&key, message);
            return None;
        }
    };
    Some(RawOption {
        value: Value::classify(trees.collect(), eq),
        key,
    })
}

/// Checks a key against its place: `None` (reported) when it is unknown or misplaced.
fn accept(key: &Ident, place: Place, errors: &mut Errors) -> Option<String> {
    let name = key.to_string();
    if place.allowed().contains(&name.as_str()) {
        return Some(name);
    }
    // How a parent treats a child, written on the root: read, and refused by validation, which
    // says where each option of the root goes.
    if place == Place::Root
        && ["restart", "shutdown", "backoff", "significant"].contains(&name.as_str())
    {
        return Some(name);
    }
    if let Some(message) = place.misplaced(&name) {
        errors.spanned(key, message);
        return None;
    }
    if let Some((_, meant)) = OTHER_WORDS.iter().find(|(word, _)| *word == name) {
        let message = if place.allowed().contains(meant) {
            format!(
                "unknown option `{name}`; it is called `{meant}` here: write `{meant} = ..` ({})",
                expects(meant)
            )
        } else {
            let why = place
                .misplaced(meant)
                .unwrap_or_else(|| format!("allowed here: {}", list(place.allowed())));
            format!("unknown option `{name}`; did you mean `{meant}`? ({why})")
        };
        errors.spanned(key, message);
        return None;
    }
    let mut message = Unknown::new("option", &name)
        .place(place.describe())
        .one_of(place.allowed())
        .to_string();
    if did_you_mean(&name, place.allowed()).is_none()
        && !ALL_KEYS.contains(&name.as_str())
        && let Some(elsewhere) = did_you_mean(&name, ALL_KEYS)
        && let Some(why) = place.misplaced(elsewhere)
    {
        message = format!("unknown option `{name}`; did you mean `{elsewhere}`? ({why})");
    }
    errors.spanned(key, message);
    None
}

/// Stores a setting, reporting a second occurrence of its key at both places.
fn store<T>(
    slot: &mut Option<Setting<T>>,
    key: Ident,
    value: &Value,
    parsed: syn::Result<Given<T>>,
    errors: &mut Errors,
) {
    if let Some(first) = slot {
        errors.spanned(&key, format!("`{key}` is given twice"));
        errors.spanned(&first.key, format!("`{key}` is first given here"));
        return;
    }
    if let Some(parsed) = errors.ok(parsed) {
        *slot = Some(Setting {
            key,
            value: parsed,
            span: value.span(),
        });
    }
}

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
                "max_restarts" => {
                    let parsed = given(&key, &value, Bare::Variable, |v| count(&name, v));
                    store(
                        &mut options.limits.max_restarts,
                        key,
                        &value,
                        parsed,
                        errors,
                    );
                }
                "within" => {
                    let parsed = given(&key, &value, Bare::Variable, |v| duration(&name, v));
                    store(&mut options.limits.within, key, &value, parsed, errors);
                }
                "max_children" => {
                    let parsed = given(&key, &value, Bare::Variable, |v| count(&name, v));
                    store(&mut options.max_children, key, &value, parsed, errors);
                }
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
                "restart" => {
                    let parsed = given(&key, &value, Bare::Word, restart);
                    store(&mut options.child.restart, key, &value, parsed, errors);
                }
                "shutdown" => {
                    let parsed = given(&key, &value, Bare::Word, shutdown);
                    store(&mut options.child.shutdown, key, &value, parsed, errors);
                }
                "groups" => {
                    // A list of names, read at compile time (not an expression: the names are
                    // the tree's, as a child's are).
                    let parsed = read_value(&key, &value, groups).map(Given::Lit);
                    store(&mut options.groups, key, &value, parsed, errors);
                }
                "health" => {
                    let parsed = given(&key, &value, Bare::Word, |v| health(v, errors));
                    store(&mut options.health, key, &value, parsed, errors);
                }
                "backoff" => {
                    let parsed = given(&key, &value, Bare::Word, |v| backoff(v, errors));
                    store(&mut options.child.backoff, key, &value, parsed, errors);
                }
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

/// Reads a word among `choices`, or says which words are allowed (and, for a word near none of
/// them, how to give a variable of the option's type `ty` instead).
fn word<T: Copy>(
    key: &str,
    what: &str,
    ty: &str,
    value: &Value,
    choices: &[(&str, T)],
) -> syn::Result<T> {
    let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
    let Value::Word(word) = value else {
        return Err(syn::Error::new_spanned(
            value,
            format!(
                "expected a {what}, one of {}; found `{value}`",
                list(&names)
            ),
        ));
    };
    let given = word.to_string();
    if let Some((_, choice)) = choices.iter().find(|(name, _)| *name == given) {
        return Ok(*choice);
    }
    let mut message = Unknown::new(what, &given).one_of(&names);
    if did_you_mean(&given, &names).is_none() {
        message = message.then(variable_hint(key, word, ty));
    }
    Err(syn::Error::new(word.span(), message))
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

fn restart(value: &Value) -> syn::Result<Restart> {
    word(
        "restart",
        "restart type",
        "Restart",
        value,
        &[
            ("permanent", Restart::Permanent),
            ("transient", Restart::Transient),
            ("temporary", Restart::Temporary),
        ],
    )
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

/// A whole number without a suffix.
fn count(key: &str, value: &Value) -> syn::Result<u64> {
    match value {
        Value::Lit(Lit::Int(lit)) if lit.suffix().is_empty() => lit
            .base10_parse::<u64>()
            .map_err(|_| syn::Error::new(lit.span(), format!("`{lit}` is too large for `{key}`"))),
        Value::Lit(Lit::Int(lit)) if ["ms", "s", "m", "h"].contains(&lit.suffix()) => {
            Err(syn::Error::new(
                lit.span(),
                format!(
                    "`{key}` is a count, not a duration: write `{}`",
                    lit.base10_digits()
                ),
            ))
        }
        Value::Lit(Lit::Int(lit)) => Err(syn::Error::new(
            lit.span(),
            format!(
                "write `{key}` without a type suffix: `{}`",
                lit.base10_digits()
            ),
        )),
        Value::Negative(..) => Err(syn::Error::new_spanned(
            value,
            format!("`{key}` can't be negative: expected a whole number"),
        )),
        Value::Missing(eq) => Err(syn::Error::new(
            eq.span(),
            format!("`{key}` needs a value: a whole number"),
        )),
        _ => Err(syn::Error::new_spanned(
            value,
            format!("expected a whole number for `{key}`, found `{value}`"),
        )),
    }
}

/// The value of the option `key` as a duration (see [`duration`]).
fn duration(key: &str, value: &Value) -> syn::Result<Duration> {
    let expected = || {
        syn::Error::new_spanned(
            value,
            format!("expected a duration for `{key}`, {EXAMPLES}; found `{value}`"),
        )
    };
    match value {
        Value::Lit(lit) => duration::from_lit(lit).unwrap_or_else(|| Err(expected())),
        Value::Negative(..) => Err(syn::Error::new_spanned(
            value,
            format!("`{key}` can't be negative: expected a duration {EXAMPLES}"),
        )),
        Value::Missing(eq) => Err(syn::Error::new(
            eq.span(),
            format!("`{key}` needs a value: a duration {EXAMPLES}"),
        )),
        Value::Malformed(tokens) => match tokens.as_slice() {
            [TokenTree::Literal(number), TokenTree::Ident(unit)] => {
                Err(duration::spaced(number, unit))
            }
            _ => Err(expected()),
        },
        Value::Word(_) | Value::Block(_) => Err(expected()),
    }
}

/// A number, whole or not, without a suffix: the growth factor of a backoff.
fn factor(value: &Value) -> syn::Result<f64> {
    let digits = match value {
        Value::Lit(Lit::Int(lit)) if lit.suffix().is_empty() => lit.base10_digits(),
        Value::Lit(Lit::Float(lit)) if lit.suffix().is_empty() => lit.base10_digits(),
        Value::Negative(..) => {
            return Err(syn::Error::new_spanned(
                value,
                "`factor` can't be negative: it multiplies the delay after each attempt",
            ));
        }
        _ => {
            return Err(syn::Error::new_spanned(
                value,
                format!("expected a number such as `2` or `1.5` for `factor`, found `{value}`"),
            ));
        }
    };
    digits
        .parse::<f64>()
        .map_err(|_| syn::Error::new_spanned(value, format!("`{digits}` is not a number")))
}

/// `off`, `on`, or the block at `place` read by `read_block`.
fn toggle<T>(
    value: &Value,
    place: Place,
    example: &str,
    errors: &mut Errors,
    read_block: impl FnOnce(Vec<RawOption>, &mut Errors) -> T,
) -> syn::Result<Option<T>> {
    match value {
        Value::Word(word) if word == "off" => Ok(None),
        Value::Word(word) if word == "on" => Ok(Some(read_block(Vec::new(), errors))),
        Value::Word(word) => {
            let given = word.to_string();
            let near = match given.as_str() {
                "false" | "no" | "none" | "None" | "disabled" | "disable" => Some("off"),
                "true" | "yes" | "enabled" | "enable" | "default" => Some("on"),
                _ => did_you_mean(&given, &["off", "on"]),
            };
            let mut message = Unknown::new("value", &given)
                .place(place.describe())
                .expected(format_args!(
                    "`off`, `on` or a block of {}, e.g. `{example}`",
                    list(place.allowed()),
                ))
                .nearest(near);
            match (near, place) {
                (Some(_), _) => {}
                (None, Place::Health) => {
                    message = message.then(variable_hint("health", word, "Option<HealthCheck>"));
                }
                (None, _) => {
                    message = message.then(variable_hint("backoff", word, "Option<Backoff>"))
                }
            }
            Err(syn::Error::new(word.span(), message))
        }
        Value::Block(group) => Ok(Some(read_block(
            split(group.stream(), place, errors),
            errors,
        ))),
        _ => Err(syn::Error::new_spanned(
            value,
            format!(
                "expected `off`, `on` or a block of {} for {}, found `{value}`; e.g. `{example}`",
                list(place.allowed()),
                place.describe(),
            ),
        )),
    }
}

fn health(value: &Value, errors: &mut Errors) -> syn::Result<Health> {
    let example = "health = { interval = 30s, timeout = 5s, failures = 3 }";
    let check = toggle(value, Place::Health, example, errors, |options, errors| {
        let mut check = HealthCheck::default();
        for RawOption { key, value } in options {
            match accept(&key, Place::Health, errors).as_deref() {
                Some("interval") => {
                    let parsed = given(&key, &value, Bare::Variable, |v| duration("interval", v));
                    store(&mut check.interval, key, &value, parsed, errors);
                }
                Some("timeout") => {
                    let parsed = given(&key, &value, Bare::Variable, |v| duration("timeout", v));
                    store(&mut check.timeout, key, &value, parsed, errors);
                }
                Some("failures") => {
                    let parsed = given(&key, &value, Bare::Variable, |v| count("failures", v));
                    store(&mut check.failures, key, &value, parsed, errors);
                }
                _ => {}
            }
        }
        check
    })?;
    Ok(check.map_or(Health::Off, Health::On))
}

fn backoff(value: &Value, errors: &mut Errors) -> syn::Result<Backoff> {
    let example = "backoff = { initial = 100ms, factor = 2, max = 5s }";
    let policy = toggle(value, Place::Backoff, example, errors, |options, errors| {
        let mut policy = BackoffPolicy::default();
        for RawOption { key, value } in options {
            match accept(&key, Place::Backoff, errors).as_deref() {
                Some("initial") => {
                    let parsed = given(&key, &value, Bare::Variable, |v| duration("initial", v));
                    store(&mut policy.initial, key, &value, parsed, errors);
                }
                Some("factor") => {
                    let parsed = given(&key, &value, Bare::Variable, factor);
                    store(&mut policy.factor, key, &value, parsed, errors);
                }
                Some("max") => {
                    let parsed = given(&key, &value, Bare::Variable, |v| duration("max", v));
                    store(&mut policy.max, key, &value, parsed, errors);
                }
                _ => {}
            }
        }
        policy
    })?;
    Ok(policy.map_or(Backoff::Off, Backoff::On))
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::*;

    fn message(tokens: TokenStream) -> String {
        let eq = Punct::new('=', Spacing::Alone);
        duration("within", &Value::classify(tokens.into_iter().collect(), eq))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn malformed_durations() {
        assert_eq!(
            message(quote!(-5s)),
            "`within` can't be negative: expected a duration such as `500ms`, `5s`, `1m` or `2h`"
        );
        assert_eq!(
            message(quote!(5 s)),
            "write the unit right after the number, without a space: `5s`"
        );
        assert_eq!(
            message(quote!(forever)),
            "expected a duration for `within`, such as `500ms`, `5s`, `1m` or `2h`; found `forever`"
        );
        assert_eq!(
            message(quote!("5s")),
            "expected a duration for `within`, such as `500ms`, `5s`, `1m` or `2h`; found `\"5s\"`"
        );
        assert_eq!(
            message(quote!(99999999999999999999h)),
            "duration `99999999999999999999h` is too long"
        );
        assert_eq!(
            message(quote!(9999999999999999h)),
            "duration `9999999999999999h` is too long"
        );
    }
}
