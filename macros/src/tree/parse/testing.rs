//! What the parser's tests share, next to each node kind and option family: the strict and the
//! recovering parse of a tree, its messages, and accessors of the parsed nodes.

use proc_macro2::TokenStream;
use quote::ToTokens;

use super::parse_tree;
use crate::errors::Errors;
use crate::test_support::messages_of;
use crate::tree::ast::{Duration, Node, NodeKind, Server, Setting, Supervisor, Tree};

/// Strict parse: the tree, or a panic with every message.
pub(crate) fn tree(tokens: TokenStream) -> Tree {
    match syn::parse2::<Tree>(tokens) {
        Ok(tree) => tree,
        Err(error) => panic!("{:?}", messages_of(error)),
    }
}

/// Recovering parse: the best-effort tree and every message.
pub(crate) fn parse(tokens: TokenStream) -> (Option<Tree>, Vec<String>) {
    let mut errors = Errors::default();
    let tree = parse_tree(tokens, &mut errors);
    let messages = errors.finish().err().map(messages_of).unwrap_or_default();
    (tree, messages)
}

pub(crate) fn messages(tokens: TokenStream) -> Vec<String> {
    parse(tokens).1
}

pub(crate) fn one_message(tokens: TokenStream) -> String {
    let messages = messages(tokens);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    messages.into_iter().next().unwrap_or_default()
}

pub(crate) fn text(tokens: impl ToTokens) -> String {
    tokens.to_token_stream().to_string()
}

pub(crate) fn server(node: &Node) -> &Server {
    match &node.kind {
        NodeKind::Server(server) => server,
        other => panic!("not a server: {other:?}"),
    }
}

pub(crate) fn supervisor(node: &Node) -> &Supervisor {
    match &node.kind {
        NodeKind::Supervisor(supervisor) => supervisor,
        other => panic!("not a supervisor: {other:?}"),
    }
}

pub(crate) fn names(children: &[Node]) -> Vec<String> {
    children
        .iter()
        .map(|child| child.name.to_string())
        .collect()
}

pub(crate) fn millis(setting: &Option<Setting<Duration>>) -> Option<u64> {
    setting
        .as_ref()
        .and_then(|setting| setting.lit())
        .map(|d| d.millis)
}
