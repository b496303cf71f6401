//! Where a child runs in a cluster: `scope` (`local`, or `global`: on one node at a time, a
//! child of the root only) and `export` (whether other nodes can call a global gen_server).
//! Both are words read at compile time: they decide what the tree and the child's server are.

use syn::Ident;

use super::value::{Value, read_value, store};
use crate::errors::Errors;
use crate::suggest::did_you_mean;
use crate::text::{Unknown, list};
use crate::tree::ast::{ChildOptions, Given, Node, NodeKind, Scope};

/// Reads `scope` or `export` into its slot.
pub(super) fn read(key: &Ident, value: &Value, child: &mut ChildOptions, errors: &mut Errors) {
    if key == "scope" {
        // A word, read at compile time: a global child changes what the tree is.
        let parsed = read_value(key, value, scope).map(Given::Lit);
        store(&mut child.scope, key.clone(), value, parsed, errors);
    } else {
        // A word, read at compile time: it decides what the child's expansion asks of its
        // server's type.
        let parsed = read_value(key, value, export).map(Given::Lit);
        store(&mut child.export, key.clone(), value, parsed, errors);
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

/// `scope = global` only on a child of the root: the cluster layer adds a global child to
/// the root supervisor when this node claims its name.
pub(crate) fn check(child: &Node, ancestors: &[&Ident], errors: &mut Errors) {
    let options = child.kind.child_options();
    if let Some(export) = options.export.as_ref().filter(|e| e.lit() == Some(&true))
        && !options.is_global()
    {
        let server = match &child.kind {
            NodeKind::Server(server) => crate::text::type_name(&server.ty),
            _ => "S".to_owned(),
        };
        errors.spanned(
            &export.key,
            format!(
                "`export = true` needs `scope = global`: other nodes call an exported child through its global name, with `cluster.remote::<{server}>(\"{}\")`; write `{{ scope = global, export = true }}`",
                child.name
            ),
        );
    }
    let Some(setting) = child
        .kind
        .child_options()
        .scope
        .as_ref()
        .filter(|s| s.lit() == Some(&Scope::Global))
    else {
        return;
    };
    if let [root, .., parent] = ancestors
        && ancestors.len() > 1
    {
        errors.at(
            setting.span,
            format!(
                "`scope = global` is allowed only on a child of the root supervisor `{root}`: the cluster starts a global child under the root when this node holds its name; move `{}` out of `{parent}` to the root",
                child.name
            ),
        );
    }
}

#[cfg(test)]
mod tests;
