//! Checks of a parsed tree that need more than one token: names across the whole tree,
//! references to siblings, restart limits against the children's restart types, and the ranges
//! and relations of option values. Every mistake is recorded; nothing stops at the first.

use std::collections::HashMap;

use syn::Ident;

use super::ast::{ChildOptions, Header, InitArg, Node, NodeKind, Tree, bare_ident};
use super::names::invalid_name;
use super::node::supervisor;
use super::options::{self, limits};
use crate::errors::Errors;
use crate::suggest::near_by_edits;

/// Records every mistake of `tree` in `errors`.
pub(crate) fn validate(tree: &Tree, errors: &mut Errors) {
    let mut names = Vec::new();
    collect_names(&tree.name, &tree.root.children, &mut names);
    let mut checker = Checker {
        first: HashMap::new(),
        declared: names.iter().fold(HashMap::new(), |mut map, ident| {
            map.entry(ident.to_string()).or_insert(*ident);
            map
        }),
        errors,
    };
    if let Some(header) = &tree.header {
        checker.header(header);
    }
    checker.name(&tree.name);
    for (key, what) in [
        (
            tree.root.child.restart.as_ref().map(|s| &s.key),
            "restart it",
        ),
        (
            tree.root.child.shutdown.as_ref().map(|s| &s.key),
            "stop it (`shutdown()` on the tree does)",
        ),
        (
            tree.root.child.backoff.as_ref().map(|s| &s.key),
            "delay its restarts",
        ),
        (
            tree.root.child.significant.as_ref().map(|s| &s.key),
            "shut down when it ends (the tree ends with it)",
        ),
    ] {
        if let Some(key) = key {
            checker.errors.spanned(
                key,
                format!(
                    "`{key}` has no effect on the root supervisor `{}`: it has no parent to {what}",
                    tree.name
                ),
            );
        }
    }
    supervisor::check_options_after(&tree.root, &tree.name, true, checker.errors);
    limits::check_supervisor(
        &tree.root.limits,
        &tree.name,
        &tree.root.children,
        checker.errors,
    );
    options::supervision::check(&tree.name, &tree.root, checker.errors);
    checker.children(&tree.root.children, &[&tree.name]);
}

/// `to pass ..` -> `To pass ..`.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn collect_names<'a>(name: &'a Ident, children: &'a [Node], into: &mut Vec<&'a Ident>) {
    into.push(name);
    for child in children {
        match &child.kind {
            NodeKind::Supervisor(supervisor) => {
                collect_names(&child.name, &supervisor.children, into);
            }
            _ => into.push(&child.name),
        }
    }
}

struct Checker<'a, 'e> {
    /// Names seen so far in the walk, for duplicates.
    first: HashMap<String, &'a Ident>,
    /// The first declaration of every name of the tree.
    declared: HashMap<String, &'a Ident>,
    errors: &'e mut Errors,
}

impl<'a> Checker<'a, '_> {
    fn children(&mut self, children: &'a [Node], ancestors: &[&'a Ident]) {
        for (position, child) in children.iter().enumerate() {
            self.name(&child.name);
            self.child_options(child.kind.child_options());
            options::cluster::check(child, ancestors, self.errors);
            for arg in child.kind.args() {
                self.arg(arg, children, position, ancestors);
            }
            match &child.kind {
                NodeKind::Server(server) => options::health::check(&server.health, self.errors),
                NodeKind::Task(_) => {}
                NodeKind::Supervisor(supervisor) => {
                    supervisor::check_options_after(supervisor, &child.name, false, self.errors);
                    limits::check_supervisor(
                        &supervisor.limits,
                        &child.name,
                        &supervisor.children,
                        self.errors,
                    );
                    options::supervision::check(&child.name, supervisor, self.errors);
                    let mut inner = ancestors.to_vec();
                    inner.push(&child.name);
                    self.children(&supervisor.children, &inner);
                }
                NodeKind::Dynamic(dynamic) => {
                    limits::check_dynamic(
                        &dynamic.limits,
                        &child.name,
                        &dynamic.children,
                        self.errors,
                    );
                    limits::check_max_children(&dynamic.max_children, self.errors);
                    self.child_options(&dynamic.children);
                    options::health::check(&dynamic.children_health, self.errors);
                }
            }
        }
    }

    /// Parameters of the header, each named once.
    fn header(&mut self, header: &Header) {
        let mut seen: HashMap<String, &Ident> = HashMap::new();
        for param in &header.params {
            let text = param.name.to_string();
            match seen.get(&text) {
                Some(first) => {
                    self.errors.spanned(
                        &param.name,
                        format!("the parameter `{text}` is declared twice"),
                    );
                    self.errors
                        .spanned(first, format!("`{text}` is first declared here"));
                }
                None => {
                    seen.insert(text, &param.name);
                }
            }
        }
    }

    /// A valid name, seen once in the whole tree.
    fn name(&mut self, name: &'a Ident) {
        let text = name.to_string();
        if let Some(message) = invalid_name(&text) {
            self.errors.spanned(name, message);
        }
        match self.first.get(&text) {
            Some(first) => {
                self.errors.spanned(
                    name,
                    format!("the name `{text}` is used twice; names are unique in the whole tree (they are registry names)"),
                );
                self.errors
                    .spanned(first, format!("`{text}` is first declared here"));
            }
            None => {
                self.first.insert(text, name);
            }
        }
    }

    /// An init argument that names a node of the tree must be an earlier sibling with a client.
    fn arg(&mut self, arg: &InitArg, siblings: &'a [Node], position: usize, ancestors: &[&Ident]) {
        let me = &siblings[position];
        let ident = match arg {
            InitArg::Sibling(sibling) => {
                let kind = match siblings.get(sibling.index).map(|target| &target.kind) {
                    Some(NodeKind::Server(_)) | None => return,
                    Some(other) => other.describe(),
                };
                let name = &sibling.name;
                self.errors.spanned(
                    name,
                    format!(
                        "`{name}` is {kind}, which has no client to pass to `{}`: only gen_server siblings are passed, as their typed clients; to pass a local variable named `{name}`, write `({name})`",
                        me.name
                    ),
                );
                return;
            }
            InitArg::Expr(expr) => match bare_ident(expr) {
                Some(ident) => ident,
                None => return,
            },
        };
        let local = format!("to pass a local variable named `{ident}`, write `({ident})`");
        if ident == &me.name {
            self.errors.spanned(
                ident,
                format!("`{ident}` names the child itself, and a child can't be passed its own client; {local}"),
            );
        } else if let Some(later) = siblings[position + 1..]
            .iter()
            .find(|sibling| &sibling.name == ident)
        {
            self.errors.spanned(
                ident,
                format!(
                    "`{ident}` is declared after `{}`: a child can only be passed the clients of siblings declared before it, as children start in order; {local}",
                    me.name
                ),
            );
            self.errors
                .spanned(&later.name, format!("`{ident}` is declared here"));
        } else if ancestors.contains(&ident) {
            self.errors.spanned(
                ident,
                format!(
                    "`{ident}` is a supervisor above `{}`, not a sibling: only earlier siblings can be passed as clients; {local}",
                    me.name
                ),
            );
        } else if let Some(other) = self.declared.get(&ident.to_string()) {
            self.errors.spanned(
                ident,
                format!(
                    "`{ident}` is not a sibling of `{}`: only earlier siblings can be passed as clients; {local}",
                    me.name
                ),
            );
            self.errors
                .spanned(*other, format!("`{ident}` is declared here"));
        } else {
            // A near miss of an earlier gen_server sibling (`pol` for `pool`) is a typo: as a
            // local variable it would not exist, or would not be the client meant.
            let earlier: Vec<String> = siblings[..position]
                .iter()
                .filter(|sibling| matches!(sibling.kind, NodeKind::Server(_)))
                .map(|sibling| sibling.name.to_string())
                .collect();
            let earlier: Vec<&str> = earlier.iter().map(String::as_str).collect();
            if let Some(near) = near_by_edits(&ident.to_string(), &earlier) {
                self.errors.spanned(
                    ident,
                    format!(
                        "`{ident}` is not a sibling of `{}`; did you mean the earlier sibling `{near}`, passed as its client? {}",
                        me.name,
                        capitalize(&local)
                    ),
                );
            }
        }
    }

    fn child_options(&mut self, child: &ChildOptions) {
        options::child::check(child, self.errors);
        options::backoff::check(child, self.errors);
    }
}

#[cfg(test)]
mod tests;
