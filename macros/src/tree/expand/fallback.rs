//! The best-effort tree of an input with mistakes: what [`super::expand`] can expand, so that
//! the macro still produces the tree's types (for the IDE, and for the code around the call)
//! next to its `compile_error!`s, without adding errors of its own.
//!
//! Everything reported is dropped or neutralised: a node whose name is invalid or taken (with
//! everything under it), a second header parameter of the same name, and an argument that
//! names a node it can't pass (it becomes `bounds::placeholder()`, of whatever type is
//! expected; a gen_server with such an argument gets one placeholder for all its arguments).
//! What the parser already left out stays out; options it refused take their defaults.

use std::collections::HashSet;

use crate::suggest::near_by_edits;
use syn::spanned::Spanned;
use syn::{Expr, Ident, parse_quote_spanned};

use super::super::ast::{InitArg, Node, NodeKind, Tree, bare_ident};
use super::super::names::invalid_name;
use super::cx::at;
use crate::tree::options::krate;
use proc_macro2::TokenStream;

/// The tree with every reported mistake taken out.
pub(crate) fn sanitize(tree: &Tree) -> Tree {
    let mut tree = tree.clone();
    if invalid_name(&tree.name.to_string()).is_some() {
        tree.name = Ident::new("app", tree.name.span());
    }
    if let Some(header) = &mut tree.header {
        let mut seen = HashSet::new();
        header
            .params
            .retain(|param| seen.insert(param.name.to_string()));
    }
    let mut declared = HashSet::new();
    collect(&tree.root.children, &mut declared);
    let mut seen = HashSet::from([tree.name.to_string()]);
    let krate = krate::emit(&tree.root.krate);
    children(&mut tree.root.children, &declared, &mut seen, &krate);
    tree
}

/// Every name of the tree.
fn collect(nodes: &[Node], into: &mut HashSet<String>) {
    for node in nodes {
        into.insert(node.name.to_string());
        if let NodeKind::Supervisor(supervisor) = &node.kind {
            collect(&supervisor.children, into);
        }
    }
}

fn children(
    nodes: &mut Vec<Node>,
    declared: &HashSet<String>,
    seen: &mut HashSet<String>,
    krate: &TokenStream,
) {
    // Keep nodes with a valid name seen for the first time, remembering where each kept node
    // was, to renumber the sibling references.
    let mut kept = Vec::new();
    for (index, node) in std::mem::take(nodes).into_iter().enumerate() {
        let name = node.name.to_string();
        if invalid_name(&name).is_none() && seen.insert(name) {
            kept.push((index, node));
        }
    }
    let old_indices: Vec<usize> = kept.iter().map(|(index, _)| *index).collect();
    let kinds: Vec<bool> = kept
        .iter()
        .map(|(_, node)| matches!(node.kind, NodeKind::Server(_)))
        .collect();
    let names: Vec<String> = kept.iter().map(|(_, node)| node.name.to_string()).collect();
    for (position, (_, node)) in kept.iter_mut().enumerate() {
        // Earlier gen_server siblings, whose near misses were reported as typos.
        let earlier: Vec<&str> = names[..position]
            .iter()
            .zip(&kinds)
            .filter(|(_, server)| **server)
            .map(|(name, _)| name.as_str())
            .collect();
        let mut replaced = false;
        for arg in node.kind.args_mut() {
            let replace = match arg {
                InitArg::Sibling(sibling) => {
                    match old_indices[..position]
                        .iter()
                        .position(|old| *old == sibling.index)
                    {
                        Some(new) if kinds[new] => {
                            sibling.index = new;
                            false
                        }
                        _ => true,
                    }
                }
                // A bare name of the tree that is no earlier sibling was reported.
                InitArg::Expr(expr) => bare_ident(expr).is_some_and(|ident| {
                    let ident = ident.to_string();
                    declared.contains(&ident) || near_by_edits(&ident, &earlier).is_some()
                }),
            };
            if replace {
                *arg = InitArg::Expr(placeholder(arg, krate));
                replaced = true;
            }
        }
        // A gen_server with a bad argument gets one placeholder for all of them, of its `Args`
        // whatever their number; a task keeps one per argument, for its function's arity.
        if replaced
            && let NodeKind::Server(server) = &mut node.kind
            && let Some(first) = server.args.first().map(|arg| placeholder(arg, krate))
        {
            server.args = vec![InitArg::Expr(first)];
        }
        if let NodeKind::Supervisor(supervisor) = &mut node.kind {
            children(&mut supervisor.children, declared, seen, krate);
        }
    }
    *nodes = kept.into_iter().map(|(_, node)| node).collect();
}

/// `bounds::placeholder()` where `arg` was written.
fn placeholder(arg: &InitArg, krate: &TokenStream) -> Expr {
    let span = match arg {
        InitArg::Expr(expr) => expr.span(),
        InitArg::Sibling(sibling) => sibling.name.span(),
    };
    parse_quote_spanned!(at(span)=> #krate::__private::placeholder())
}
