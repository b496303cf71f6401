//! Writing the user's code back into messages: types as they would write them, lists of
//! allowed words.

use std::fmt::Display;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;

use crate::suggest::did_you_mean;

/// The one shape of every "unknown word" message of both macros:
/// ``unknown {what} `{given}` [for {place}]; expected {..}[; did you mean `{nearest}`?]``.
///
/// ```text
/// Unknown::new("option", "restrat").place("a gen_server child").one_of(&["restart", ..])
///   -> unknown option `restrat` for a gen_server child; expected one of `restart`, ..; did you mean `restart`?
/// ```
pub(crate) struct Unknown {
    text: String,
    given: String,
}

impl Unknown {
    /// ``unknown {what} `{given}` ``.
    pub(crate) fn new(what: impl Display, given: impl Display) -> Unknown {
        let given = given.to_string();
        Unknown {
            text: format!("unknown {what} `{given}`"),
            given,
        }
    }

    /// `` for {place}``: where the word was found.
    pub(crate) fn place(mut self, place: impl Display) -> Unknown {
        self.text.push_str(&format!(" for {place}"));
        self
    }

    /// ``; expected {expected}``, in the caller's words.
    pub(crate) fn expected(mut self, expected: impl Display) -> Unknown {
        self.text.push_str(&format!("; expected {expected}"));
        self
    }

    /// ``; expected one of `a`, `b`; did you mean `a`?``: the allowed words, and the nearest
    /// one to what was given, if any is near.
    pub(crate) fn one_of(self, allowed: &[&str]) -> Unknown {
        let nearest = did_you_mean(&self.given, allowed);
        self.expected(format_args!("one of {}", list(allowed)))
            .nearest(nearest)
    }

    /// ``; did you mean `{nearest}`?``, when there is a nearest word.
    pub(crate) fn nearest(mut self, nearest: Option<impl Display>) -> Unknown {
        if let Some(nearest) = nearest {
            self.text.push_str(&format!("; did you mean `{nearest}`?"));
        }
        self
    }

    /// Any further sentence, as written (starting with its own separator).
    pub(crate) fn then(mut self, more: impl Display) -> Unknown {
        self.text.push_str(&more.to_string());
        self
    }
}

impl Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// `` `a`, `b`, `c` `` for messages.
pub(crate) fn list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A type (or any tokens) as a person writes it: `Vec<u8>`, `&'a mut str`, `impl Fn() + Send`.
pub(crate) fn type_name(tokens: &impl ToTokens) -> String {
    let mut out = String::new();
    write_tokens(tokens.to_token_stream(), &mut out);
    out
}

fn write_tokens(tokens: TokenStream, out: &mut String) {
    // Whether the last thing written was a word (an identifier, a literal, a closing group),
    // which the next word must be separated from by a space.
    let mut after_word = false;
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => {
                if after_word {
                    out.push(' ');
                }
                out.push_str(&ident.to_string());
                after_word = true;
            }
            TokenTree::Literal(lit) => {
                if after_word {
                    out.push(' ');
                }
                out.push_str(&lit.to_string());
                after_word = true;
            }
            TokenTree::Punct(p) => {
                let c = p.as_char();
                match c {
                    ',' | ';' => out.push_str(&format!("{c} ")),
                    '+' | '=' => out.push_str(&format!(" {c} ")),
                    '-' if p.spacing() == Spacing::Joint => out.push_str(" -"),
                    '\'' if after_word => out.push_str(" '"),
                    _ => out.push(c),
                }
                after_word = false;
                if c == '>' && out.ends_with(" ->") {
                    out.push(' ');
                }
            }
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{ ", " }"),
                    Delimiter::None => ("", ""),
                };
                if after_word && g.delimiter() == Delimiter::Brace {
                    out.push(' ');
                }
                out.push_str(open);
                write_tokens(g.stream(), out);
                out.push_str(close);
                after_word = g.delimiter() == Delimiter::None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::{Type, parse_quote};

    fn name(ty: Type) -> String {
        type_name(&ty)
    }

    #[test]
    fn types_read_as_written() {
        assert_eq!(name(parse_quote!(Vec<u8>)), "Vec<u8>");
        assert_eq!(name(parse_quote!(&str)), "&str");
        assert_eq!(name(parse_quote!(&'a mut str)), "&'a mut str");
        assert_eq!(name(parse_quote!(&mut Vec<u8>)), "&mut Vec<u8>");
        assert_eq!(
            name(parse_quote!(Option<&'static str>)),
            "Option<&'static str>"
        );
        assert_eq!(
            name(parse_quote!(std::io::Result<Self>)),
            "std::io::Result<Self>"
        );
        assert_eq!(name(parse_quote!(Result<Self, E>)), "Result<Self, E>");
        assert_eq!(name(parse_quote!([u8; 4])), "[u8; 4]");
        assert_eq!(name(parse_quote!((i64, String))), "(i64, String)");
        assert_eq!(
            name(parse_quote!(impl FnOnce() + Send + 'static)),
            "impl FnOnce() + Send + 'static"
        );
        assert_eq!(
            name(parse_quote!(Box<dyn Fn(u8) -> u8 + Send>)),
            "Box<dyn Fn(u8) -> u8 + Send>"
        );
        assert_eq!(name(parse_quote!(<Self as Tr>::Out)), "<Self as Tr>::Out");
        assert_eq!(name(parse_quote!(Cow<'a, str>)), "Cow<'a, str>");
    }

    #[test]
    fn unknown_words_read_one_way() {
        assert_eq!(
            Unknown::new("option", "restrat")
                .place("a child")
                .one_of(&["restart", "shutdown"])
                .to_string(),
            "unknown option `restrat` for a child; expected one of `restart`, `shutdown`; did you mean `restart`?"
        );
        assert_eq!(
            Unknown::new("unit", "hours")
                .one_of(&["ms", "s"])
                .to_string(),
            "unknown unit `hours`; expected one of `ms`, `s`"
        );
        assert_eq!(
            Unknown::new("shutdown", "brutal")
                .expected("`brutal_kill` or a duration")
                .nearest(Some("brutal_kill"))
                .then(" (see the docs)")
                .to_string(),
            "unknown shutdown `brutal`; expected `brutal_kill` or a duration; did you mean `brutal_kill`? (see the docs)"
        );
    }

    #[test]
    fn lists_quote_each_word() {
        assert_eq!(list(&["a", "b"]), "`a`, `b`");
        assert_eq!(list(&[]), "");
    }
}
