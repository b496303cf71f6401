//! An option's value as written, and the readers every option family shares: a list split on
//! its top-level commas into `key = value`, the value sorted by shape ([`Value`]), the rule that
//! makes it a literal of the DSL or a Rust expression ([`given`]), and the literal shapes several
//! options take (a word among choices, a count, a duration, a factor, `off`/`on`/`{ .. }`).

use std::fmt;

use proc_macro2::{Delimiter, Group, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt};
use syn::{Ident, Lit};

use super::duration::{self, Duration, EXAMPLES};
use super::keys::{Place, accept, expects, key_of_word};
use crate::errors::Errors;
use crate::suggest::did_you_mean;
use crate::text::{Unknown, list, type_name};
use crate::tree::ast::{Given, Setting, Words};

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

/// Reads `value` with `read`; a value in quotes whose text would be read (`"5s"`,
/// `"one_for_all"`) is refused with the unquoted spelling, a missing one with what it takes.
pub(super) fn read_value<T>(
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
pub(super) enum Bare {
    Word,
    Variable,
}

/// Reads the value of an option: a Rust expression (see the module's docs), or a literal read
/// with `read` (through [`read_value`]).
pub(super) fn given<T>(
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
pub(super) fn expression(value: &Value, bare: Bare) -> Option<syn::Expr> {
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
pub(super) fn variable_hint(key: &str, word: &Ident, ty: &str) -> String {
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
pub(super) fn one(segment: Vec<TokenTree>, place: Place, errors: &mut Errors) -> Option<RawOption> {
    let mut trees = segment.into_iter();
    let key = match trees.next() {
        Some(TokenTree::Ident(key)) => key,
        Some(other) => {
            errors.spanned(
                &other,
                format!(
                    "expected an option of {} ({}), found `{other}`",
                    place.describe(),
                    list(&place.allowed())
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
            let message = match key_of_word(&word) {
                Some(of) => format!("`{word}` needs its key: write `{of} = {word}`"),
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

/// Reads an option's value with [`given`] and stores it in `slot` with [`store`].
pub(super) fn set<T>(
    slot: &mut Option<Setting<T>>,
    key: &Ident,
    value: &Value,
    bare: Bare,
    read: impl FnMut(&Value) -> syn::Result<T>,
    errors: &mut Errors,
) {
    let parsed = given(key, value, bare, read);
    store(slot, key.clone(), value, parsed, errors);
}

/// Stores a setting, reporting a second occurrence of its key at both places.
pub(super) fn store<T>(
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

/// Reads a word among `choices`, or says which words are allowed (and, for a word near none of
/// them, how to give a variable of the option's type `ty` instead).
pub(super) fn word<T: Copy>(words: &Words<T>, value: &Value) -> syn::Result<T> {
    let Words { key, what, ty, .. } = words;
    let choices = words.words;
    let names: Vec<&str> = choices.iter().map(|(name, ..)| *name).collect();
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
    if let Some((_, choice, _)) = choices.iter().find(|(name, ..)| *name == given) {
        return Ok(*choice);
    }
    let mut message = Unknown::new(what, &given).one_of(&names);
    if did_you_mean(&given, &names).is_none() {
        message = message.then(variable_hint(key, word, ty));
    }
    Err(syn::Error::new(word.span(), message))
}

/// A whole number without a suffix.
pub(super) fn count(key: &str, value: &Value) -> syn::Result<u64> {
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
pub(super) fn duration(key: &str, value: &Value) -> syn::Result<Duration> {
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
pub(super) fn factor(value: &Value) -> syn::Result<f64> {
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

/// `key = off | on | { .. }` (or an expression) into `slot`: `on` is the block's defaults
/// (`B::default()`), and each setting of a block at `place` is read by `setting` (given its
/// name, key and value), once [`accept`] has checked it.
#[allow(
    clippy::too_many_arguments,
    reason = "one call per option family, each argument named"
)]
pub(super) fn set_toggle<B: Default, T: Clone>(
    slot: &mut Option<Setting<T>>,
    key: &Ident,
    value: &Value,
    place: Place,
    example: &str,
    (off, on): (T, fn(B) -> T),
    mut setting: impl FnMut(&mut B, &str, &Ident, &Value, &mut Errors),
    errors: &mut Errors,
) {
    let parsed = given(key, value, Bare::Word, |value| {
        let block = toggle(value, place, example, errors, |settings, errors| {
            let mut block = B::default();
            for RawOption { key, value } in settings {
                if let Some(name) = accept(&key, place, errors) {
                    setting(&mut block, &name, &key, &value, errors);
                }
            }
            block
        })?;
        Ok(match block {
            Some(block) => on(block),
            None => off.clone(),
        })
    });
    store(slot, key.clone(), value, parsed, errors);
}

/// A setting inside a block, whose bare identifier is a variable.
pub(super) fn set_variable<T>(
    slot: &mut Option<Setting<T>>,
    key: &Ident,
    value: &Value,
    read: impl FnMut(&Value) -> syn::Result<T>,
    errors: &mut Errors,
) {
    set(slot, key, value, Bare::Variable, read, errors);
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
                    list(&place.allowed()),
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
                list(&place.allowed()),
                place.describe(),
            ),
        )),
    }
}

/// A literal setting out of `range`, reported at its value with `message(value)`.
pub(super) fn in_range<T: PartialOrd + Copy>(
    setting: &Option<Setting<T>>,
    range: std::ops::RangeInclusive<T>,
    errors: &mut Errors,
    message: impl FnOnce(T) -> String,
) {
    if let Some(setting) = setting
        && let Some(&value) = setting.lit()
        && !range.contains(&value)
    {
        errors.at(setting.span, message(value));
    }
}

/// A duration setting that can't be zero; `meaning` says what it is.
pub(super) fn nonzero(setting: &Option<Setting<Duration>>, meaning: &str, errors: &mut Errors) {
    if let Some(setting) = setting
        && setting.lit().is_some_and(|value| value.millis == 0)
    {
        errors.at(
            setting.span,
            format!("`{}` can't be zero: it is {meaning}", setting.key),
        );
    }
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
