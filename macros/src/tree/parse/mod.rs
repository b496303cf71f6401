//! Tokens to the typed AST, one module per node kind.
//!
//! Every parser takes the error accumulator and recovers where it can: a bad option is reported
//! and left out, a child that can't be read is reported and skipped up to the next `,`, so one
//! build shows every independent mistake. Each node kind also implements
//! [`syn::parse::Parse`] strictly (any mistake is an error), which is what the unit tests use.

mod header;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Token, token};

use super::ast::{Header, InitArg, Node, NodeKind, SiblingRef, Tree, bare_ident};
use super::names::to_snake_case;
use crate::errors::Errors;
use crate::suggest::did_you_mean;
use crate::text::Unknown;

/// The words that start a node kind other than a gen_server type.
pub(crate) mod kw {
    syn::custom_keyword!(supervisor);
    syn::custom_keyword!(dynamic_supervisor);
    syn::custom_keyword!(task);
}

const KINDS: &[&str] = &["supervisor", "dynamic_supervisor", "task"];

/// What the recovering parsers carry: the mistakes found so far, and where in the tree they are.
pub(crate) struct State<'e> {
    errors: &'e mut Errors,
    /// How many supervisors' `{ .. }` the parser is in, 0 while it reads a root (whose `( .. )`
    /// takes only the root's options, so that its messages list only those).
    pub(crate) nesting: usize,
}

impl<'e> State<'e> {
    pub(crate) fn new(errors: &'e mut Errors) -> State<'e> {
        State { errors, nesting: 0 }
    }
}

/// The mistakes are recorded through the state: `state.spanned(..)`, `state.push(..)`.
impl std::ops::Deref for State<'_> {
    type Target = Errors;

    fn deref(&self) -> &Errors {
        self.errors
    }
}

impl std::ops::DerefMut for State<'_> {
    fn deref_mut(&mut self) -> &mut Errors {
        self.errors
    }
}

/// Parsing with recovery: recoverable mistakes go to the state's errors and parsing goes on; an
/// `Err` means the node could not be read at all.
pub(crate) trait ParseWith: Sized {
    fn parse_with(input: ParseStream, state: &mut State) -> syn::Result<Self>;
}

/// A strict [`syn::parse::Parse`] for each recovering parser: any recorded mistake fails it.
macro_rules! strict_parse {
    ($($ty:ty),* $(,)?) => {$(
        impl syn::parse::Parse for $ty {
            fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
                let mut errors = $crate::errors::Errors::default();
                let mut state = $crate::tree::parse::State::new(&mut errors);
                let parsed = <$ty as $crate::tree::parse::ParseWith>::parse_with(input, &mut state);
                match (parsed, errors.finish()) {
                    (Ok(parsed), Ok(())) => Ok(parsed),
                    (Ok(_), Err(error)) => Err(error),
                    (Err(error), Ok(())) => Err(error),
                    (Err(error), Err(mut first)) => {
                        first.combine(error);
                        Err(first)
                    }
                }
            }
        }
    )*};
}
pub(crate) use strict_parse;

strict_parse!(Tree, Node, NodeKind);

/// The input starts with a header: the item form, expanded in item position (even when the
/// header or the tree can't be read).
pub(crate) fn is_item_form(input: &TokenStream) -> bool {
    let parser = |input: ParseStream| {
        let starts = header::starts_header(input);
        // Only the start matters.
        let _ = input.parse::<TokenStream>();
        Ok(starts)
    };
    parser.parse2(input.clone()).unwrap_or(false)
}

/// Parses the macro's input, recording every mistake; `None` when there is no tree to validate.
pub(crate) fn parse_tree(input: TokenStream, errors: &mut Errors) -> Option<Tree> {
    let mut state = State::new(errors);
    let parser = |input: ParseStream| Tree::parse_with(input, &mut state);
    match parser.parse2(input) {
        Ok(tree) => Some(tree),
        Err(error) => {
            errors.push(error);
            None
        }
    }
}

impl ParseWith for Tree {
    fn parse_with(input: ParseStream, state: &mut State) -> syn::Result<Tree> {
        let header = if header::starts_header(input) {
            read_header(input, state)
        } else {
            None
        };
        while header::starts_header(input) {
            let second = input.span();
            if read_header(input, state).is_some() {
                state.at(
                    second,
                    "a tree has one header; its type and parameters are written once, before the tree",
                );
            }
        }
        if input.is_empty() {
            return Err(match &header {
                Some(header) => syn::Error::new(
                    header.ident.span(),
                    format!(
                        "the tree `{}` has no root supervisor: write it after the header, as in `app: supervisor {{ cache: Cache(1024) }}`",
                        header.ident
                    ),
                ),
                None => syn::Error::new(
                    Span::call_site(),
                    "empty supervision tree: write one root supervisor, as in `app: supervisor(strategy = one_for_one) { cache: Cache(1024) }`",
                ),
            });
        }
        let mut nodes = nodes(input, true, state).into_iter();
        let root = nodes.next();
        for extra in nodes {
            let root = root
                .as_ref()
                .map_or(String::new(), |root| format!(" `{}`", root.name));
            state.spanned(
                &extra.name,
                format!(
                    "a tree has one root; declare `{}` inside the root supervisor{root}",
                    extra.name
                ),
            );
        }
        match root {
            Some(Node {
                name,
                kind: NodeKind::Supervisor(root),
            }) => Ok(Tree { header, name, root }),
            Some(Node { name, kind }) => Err(syn::Error::new(
                name.span(),
                format!(
                    "the root of a tree is a supervisor, and `{name}` is {}; put it inside one: `app: supervisor {{ {name}: .. }}`",
                    kind.describe()
                ),
            )),
            // Every node failed to parse, and each failure is recorded: hand them back.
            None => Err(state.take().unwrap_or_else(|| {
                syn::Error::new(
                    Span::call_site(),
                    "supervision_tree! has no root supervisor",
                )
            })),
        }
    }
}

/// Reads a header; one that can't be read is reported and skipped up to its `;` (or to the
/// first node, when the `;` is missing).
fn read_header(input: ParseStream, state: &mut State) -> Option<Header> {
    match Header::parse_with(input, state) {
        Ok(header) => Some(header),
        Err(error) => {
            state.push(error);
            while !input.is_empty() && !input.peek(Token![;]) && !starts_node(input) {
                if input.parse::<TokenTree>().is_err() {
                    break;
                }
            }
            let _ = input.parse::<Option<Token![;]>>();
            None
        }
    }
}

impl ParseWith for Node {
    fn parse_with(input: ParseStream, state: &mut State) -> syn::Result<Node> {
        let name = if input.peek(Ident::peek_any) {
            Ident::parse_any(input)?
        } else {
            return Err(input.error("expected the name of a child, as in `cache: Cache(1024)`"));
        };
        if !input.peek(Token![:]) || input.peek(Token![::]) {
            if input.peek(token::Paren)
                || input.peek(token::Brace)
                || input.peek(Token![<])
                || input.peek(Token![::])
            {
                let text = name.to_string();
                let example = match text.as_str() {
                    "supervisor" | "dynamic_supervisor" | "task" => "app".to_owned(),
                    _ => to_snake_case(&text),
                };
                let rest = if input.peek(token::Paren) {
                    "(..)"
                } else if input.peek(token::Brace) {
                    " { .. }"
                } else if input.peek(Token![<]) {
                    "<..>"
                } else {
                    "::.."
                };
                return Err(syn::Error::new(
                    name.span(),
                    format!(
                        "this child has no name; a child is written `name: kind`, as in `{example}: {text}{rest}`"
                    ),
                ));
            }
            if input.peek(Token![=]) {
                return Err(option_among_children(&name));
            }
            return Err(input.error(format!(
                "expected `:` after `{name}`; a child is written `name: kind`, as in `cache: Cache(1024)`"
            )));
        }
        input.parse::<Token![:]>()?;
        let kind = NodeKind::parse_with(input, state)?;
        Ok(Node { name, kind })
    }
}

/// `restart = ..` where a child goes: an option written in a supervisor's list of children.
fn option_among_children(key: &Ident) -> syn::Error {
    let word = key.to_string();
    let message = match word.as_str() {
        "health" => "`health` is an option of a gen_server child, written in the `{ .. }` after it (`cache: Cache(1024) { health = on }`), not in a supervisor's list of children".to_owned(),
        "strategy" | "max_restarts" | "within" | "restart" | "shutdown" | "backoff" => format!(
            "`{word}` is an option, but a supervisor's `{{ .. }}` lists its children (`name: kind`); a supervisor's options, and how its parent treats it, go in the `( .. )` after `supervisor`: `supervisor({word} = ..) {{ .. }}` (the root has no parent: no `restart`, `shutdown` or `backoff` on it)"
        ),
        "max_children" | "children" => format!(
            "`{word}` is an option of a dynamic_supervisor, written in the `( .. )` after it: `jobs: dynamic_supervisor<Job>({word} = ..)`"
        ),
        _ => format!(
            "expected `:` after `{word}`; a supervisor's `{{ .. }}` lists its children, each written `name: kind`, as in `cache: Cache(1024)`; its options go in the `( .. )` after `supervisor`"
        ),
    };
    syn::Error::new(key.span(), message)
}

impl ParseWith for NodeKind {
    fn parse_with(input: ParseStream, state: &mut State) -> syn::Result<NodeKind> {
        let is = |keyword: bool| keyword && !input.peek2(Token![::]);
        if is(input.peek(kw::supervisor)) {
            ParseWith::parse_with(input, state).map(NodeKind::Supervisor)
        } else if is(input.peek(kw::dynamic_supervisor)) {
            ParseWith::parse_with(input, state).map(NodeKind::Dynamic)
        } else if is(input.peek(kw::task)) {
            ParseWith::parse_with(input, state).map(NodeKind::Task)
        } else if input.peek(Ident::peek_any) || input.peek(Token![::]) {
            unknown_kind(input)?;
            ParseWith::parse_with(input, state).map(NodeKind::Server)
        } else {
            Err(input.error(EXPECTED_KIND))
        }
    }
}

const EXPECTED_KIND: &str = "expected a child: a gen_server `Type(args)`, `task(function, args)`, `supervisor(options) { children }` or `dynamic_supervisor<Type>(options)`";

/// A lone lowercase word where a kind goes is a misspelt kind, not a gen_server type.
fn unknown_kind(input: ParseStream) -> syn::Result<()> {
    let fork = input.fork();
    let Ok(word) = Ident::parse_any(&fork) else {
        return Ok(());
    };
    let text = word.to_string();
    let lowercase = text.starts_with(|c: char| c.is_ascii_lowercase());
    if !lowercase || fork.peek(Token![::]) {
        return Ok(());
    }
    let message = Unknown::new("kind of child", &text)
        .expected("a gen_server type (`Cache(..)`), `task(..)`, `supervisor(..) { .. }` or `dynamic_supervisor<Type>(..)`")
        .nearest(did_you_mean(&text, KINDS));
    Err(syn::Error::new(word.span(), message))
}

/// A comma-separated list of nodes (the root level, or the children of a supervisor). A node
/// that can't be read is reported and skipped up to the next `,`; a missing `,` between two
/// nodes is reported and parsing goes on. `root`: this is the list of roots.
pub(crate) fn nodes(input: ParseStream, root: bool, state: &mut State) -> Vec<Node> {
    let mut nodes: Vec<Node> = Vec::new();
    while !input.is_empty() {
        let parsed = Node::parse_with(input, state);
        let ok = match parsed {
            Ok(node) => {
                nodes.push(node);
                true
            }
            Err(error) => {
                state.push(error);
                skip_to_comma(input);
                false
            }
        };
        if input.is_empty() {
            break;
        }
        if !input.peek(Token![,]) {
            if ok && let Some(last) = nodes.last() {
                // A second root: reported as such by the caller, not as a missing `,`.
                if root && starts_node(input) {
                    continue;
                }
                if starts_node(input) {
                    state
                        .push(input.error(format!("expected `,` after the child `{}`", last.name)));
                    continue;
                }
                state.push(input.error(if root {
                    format!(
                        "expected the end of the tree after the root supervisor `{}`",
                        last.name
                    )
                } else {
                    format!(
                        "expected `,` after the child `{}`, or the end of the list",
                        last.name
                    )
                }));
            }
            skip_to_comma(input);
        }
        // Only a comma (or nothing) can be next, so this never fails.
        let _ = input.parse::<Option<Token![,]>>();
    }
    nodes
}

/// `name :` (and not `name ::`) is next.
fn starts_node(input: ParseStream) -> bool {
    input.peek(Ident::peek_any) && input.peek2(Token![:]) && !input.peek2(Token![::])
}

pub(crate) fn skip_to_comma(input: ParseStream) {
    while !input.is_empty() && !input.peek(Token![,]) {
        if input.parse::<TokenTree>().is_err() {
            break;
        }
    }
}

/// Marks each init argument that is a bare identifier naming an earlier sibling (the nearest,
/// if a name repeats) as that sibling's client. Other names of the tree are checked by
/// validation.
pub(crate) fn resolve_siblings(children: &mut [Node]) {
    let names: Vec<Ident> = children.iter().map(|child| child.name.clone()).collect();
    for (position, child) in children.iter_mut().enumerate() {
        for arg in child.kind.args_mut() {
            let InitArg::Expr(expr) = arg else { continue };
            let Some(ident) = bare_ident(expr) else {
                continue;
            };
            if let Some(index) = names[..position].iter().rposition(|name| name == ident) {
                *arg = InitArg::Sibling(SiblingRef {
                    name: ident.clone(),
                    index,
                });
            }
        }
    }
}

/// Reads comma-separated expressions; on a malformed one, the rest of `content` is consumed
/// so that the enclosing parser goes on.
pub(crate) fn exprs(content: ParseStream) -> syn::Result<Vec<syn::Expr>> {
    let parsed = content.parse_terminated(<syn::Expr as syn::parse::Parse>::parse, Token![,]);
    match parsed {
        Ok(exprs) => Ok(exprs.into_iter().collect()),
        Err(error) => {
            while !content.is_empty() {
                if content.parse::<TokenTree>().is_err() {
                    break;
                }
            }
            Err(error)
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
