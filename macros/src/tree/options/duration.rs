//! Duration literals: `500ms`, `5s`, `1m`, `2h`.
//!
//! Rust lexes `5s` as the integer literal `5` with the suffix `s`, so a duration is an integer
//! literal whose suffix is its unit. Units: `ms`, `s`, `m` (minutes), `h`. A duration is a whole
//! number of its unit (`1500ms`, not `1.5s`) and has a unit (`5` alone is refused: seconds or
//! milliseconds?). Zero is parsed here and refused by validation, where the option is known.

use std::fmt;

use proc_macro2::{Ident, Literal};
use syn::{Lit, LitFloat, LitInt};

use crate::suggest::did_you_mean;
use crate::text::{Unknown, list};

/// A duration, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Duration {
    pub millis: u64,
}

impl fmt::Display for Duration {
    /// In the largest unit that divides it: `90s`, `2m`, `1500ms`.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.millis == 0 {
            return f.write_str("0s");
        }
        let (unit, scale) = UNITS
            .iter()
            .rev()
            .find(|(_, scale)| self.millis.is_multiple_of(*scale))
            .copied()
            .unwrap_or(("ms", 1));
        write!(f, "{}{unit}", self.millis / scale)
    }
}

/// The units, with their length in milliseconds.
const UNITS: &[(&str, u64)] = &[("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)];
const UNIT_NAMES: &[&str] = &["ms", "s", "m", "h"];

/// Spellings people reach for, and the unit they mean.
const ALIASES: &[(&str, &str)] = &[
    ("msec", "ms"),
    ("msecs", "ms"),
    ("millis", "ms"),
    ("sec", "s"),
    ("secs", "s"),
    ("second", "s"),
    ("seconds", "s"),
    ("min", "m"),
    ("mins", "m"),
    ("minute", "m"),
    ("minutes", "m"),
    ("hr", "h"),
    ("hrs", "h"),
    ("hour", "h"),
    ("hours", "h"),
];

/// How a duration is written, for messages.
pub(crate) const EXAMPLES: &str = "such as `500ms`, `5s`, `1m` or `2h`";

/// Reads a number with its unit (`5s`, `500ms`); `None` for a literal that is not a number.
pub(crate) fn from_lit(lit: &Lit) -> Option<syn::Result<Duration>> {
    match lit {
        Lit::Int(lit) => Some(from_int(lit)),
        Lit::Float(lit) => Some(Err(fraction(lit))),
        _ => None,
    }
}

fn from_int(lit: &LitInt) -> syn::Result<Duration> {
    let digits = lit.base10_digits();
    let unit = lit.suffix();
    if unit.is_empty() {
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "`{digits}` has no unit: write `{digits}s` or `{digits}ms` (units: `ms`, `s`, `m`, `h`)"
            ),
        ));
    }
    let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(syn::Error::new(lit.span(), unknown_unit(digits, unit)));
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .map(|millis| Duration { millis })
        .ok_or_else(|| syn::Error::new(lit.span(), format!("duration `{lit}` is too long")))
}

fn fraction(lit: &LitFloat) -> syn::Error {
    let scale = UNITS.iter().find(|(name, _)| *name == lit.suffix());
    let hint = match (scale, lit.base10_digits().parse::<f64>()) {
        (Some(&(_, scale)), Ok(n)) if (n * scale as f64).fract() == 0.0 => {
            format!(": write `{}ms`", n * scale as f64)
        }
        _ => String::new(),
    };
    syn::Error::new(
        lit.span(),
        format!("a duration is a whole number of `ms`, `s`, `m` or `h`{hint}"),
    )
}

/// `5 s`: a number and a unit apart.
pub(crate) fn spaced(number: &Literal, unit: &Ident) -> syn::Error {
    syn::Error::new_spanned(
        quote::quote!(#number #unit),
        format!("write the unit right after the number, without a space: `{number}{unit}`"),
    )
}

fn unknown_unit(digits: &str, unit: &str) -> String {
    let nearest = ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(unit))
        .map(|(_, unit)| *unit)
        .or_else(|| did_you_mean(unit, UNIT_NAMES));
    let message = Unknown::new("duration unit", unit)
        .then(format_args!(" in `{digits}{unit}`"))
        .expected(format_args!("one of {}", list(UNIT_NAMES)));
    if unit.starts_with(['u', 'n']) && unit.ends_with('s') && unit.len() == 2 {
        message.then("; the smallest unit is `ms`").to_string()
    } else {
        message
            .nearest(nearest.map(|nearest| format!("{digits}{nearest}")))
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn parse(tokens: TokenStream) -> syn::Result<Duration> {
        match from_lit(&syn::parse2(tokens)?) {
            Some(duration) => duration,
            None => panic!("not a number"),
        }
    }

    fn millis(tokens: TokenStream) -> u64 {
        parse(tokens).unwrap().millis
    }

    fn message(tokens: TokenStream) -> String {
        parse(tokens).unwrap_err().to_string()
    }

    #[test]
    fn every_unit() {
        assert_eq!(millis(quote!(500ms)), 500);
        assert_eq!(millis(quote!(5s)), 5_000);
        assert_eq!(millis(quote!(1m)), 60_000);
        assert_eq!(millis(quote!(2h)), 7_200_000);
        assert_eq!(millis(quote!(1_000ms)), 1_000);
        assert_eq!(
            millis(quote!(0s)),
            0,
            "zero is refused by validation, not here"
        );
    }

    #[test]
    fn display_in_the_largest_whole_unit() {
        let show = |millis| Duration { millis }.to_string();
        assert_eq!(show(0), "0s");
        assert_eq!(show(1_500), "1500ms");
        assert_eq!(show(90_000), "90s");
        assert_eq!(show(120_000), "2m");
        assert_eq!(show(7_200_000), "2h");
    }

    #[test]
    fn unitless() {
        assert_eq!(
            message(quote!(5)),
            "`5` has no unit: write `5s` or `5ms` (units: `ms`, `s`, `m`, `h`)"
        );
    }

    #[test]
    fn unknown_units_suggest_the_right_spelling() {
        assert_eq!(
            message(quote!(5sec)),
            "unknown duration unit `sec` in `5sec`; expected one of `ms`, `s`, `m`, `h`; did you mean `5s`?"
        );
        assert!(message(quote!(3mins)).ends_with("did you mean `3m`?"));
        assert!(message(quote!(3u32)).ends_with("expected one of `ms`, `s`, `m`, `h`"));
        assert!(message(quote!(3us)).ends_with("the smallest unit is `ms`"));
    }

    #[test]
    fn fractions_are_refused_with_a_whole_spelling() {
        assert_eq!(
            message(quote!(1.5s)),
            "a duration is a whole number of `ms`, `s`, `m` or `h`: write `1500ms`"
        );
        assert_eq!(
            message(quote!(0.0001s)),
            "a duration is a whole number of `ms`, `s`, `m` or `h`"
        );
    }
}
