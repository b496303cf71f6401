//! Names the expansion makes: struct types, typed keys, and its own local variables.
//!
//! - The root's struct is the header's name (`App`) in the item form. In the expression form it
//!   is the root's name in CamelCase (`app` -> `App`), made longer (`AppTree`, `AppTree2`, ..)
//!   until neither it nor a nested struct's name is an identifier of the macro's input: the
//!   structs are declared in the block where the init arguments are evaluated, and must not
//!   shadow a type those arguments (or the children's types) name.
//! - A nested supervisor's struct is `<Root>_<name>` (`App_db`): names are unique in the whole
//!   tree, so these are too, however deep the supervisor.
//! - Typed keys are the name in upper case (`cache` -> `App::CACHE`).
//! - Local variables are `__perennial_<name>` (and `__perennial_<name>_<i>` for the `i`-th
//!   argument), which no user's name can be (names start with a letter).

use std::collections::HashSet;

use proc_macro2::Span;
use quote::format_ident;
use syn::Ident;

use super::super::ast::{NodeKind, Supervisor, Tree};
use super::cx::{Cx, at};

/// The root's struct in the expression form.
pub(crate) fn expression_root_type(tree: &Tree, taken: &HashSet<String>) -> Ident {
    let camel = camel_case(&tree.name.to_string());
    let mut nested = Vec::new();
    supervisor_names(&tree.root, &mut nested);
    let free = |candidate: &str| {
        !taken.contains(candidate)
            && nested
                .iter()
                .all(|name| !taken.contains(&format!("{candidate}_{name}")))
    };
    let candidate = std::iter::once(camel.clone())
        .chain((1..).map(|n| match n {
            1 => format!("{camel}Tree"),
            n => format!("{camel}Tree{n}"),
        }))
        .find(|candidate| free(candidate))
        .unwrap_or(camel);
    Ident::new(&candidate, Span::call_site())
}

fn supervisor_names(supervisor: &Supervisor, into: &mut Vec<String>) {
    for child in &supervisor.children {
        if let NodeKind::Supervisor(nested) = &child.kind {
            into.push(child.name.to_string());
            supervisor_names(nested, into);
        }
    }
}

/// `app` -> `App`, `db_pool` -> `DbPool`.
pub(crate) fn camel_case(name: &str) -> String {
    name.split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

/// The struct of the nested supervisor `name`: `App_db`.
pub(crate) fn nested_type(cx: &Cx, name: &Ident) -> Ident {
    format_ident!("{}_{}", cx.root_ty, name, span = at(name.span()))
}

/// The typed key of the gen_server child `name`: `CACHE`.
pub(crate) fn key(name: &Ident) -> Ident {
    Ident::new(&name.to_string().to_uppercase(), at(name.span()))
}

/// The local variable holding the init arguments (or the function) of the child `name`.
pub(crate) fn var(name: &Ident) -> Ident {
    format_ident!("__perennial_{}", name, span = Span::call_site())
}

/// [`var`], located at `span` (where a call through it is reported).
pub(crate) fn var_at(name: &Ident, span: Span) -> Ident {
    format_ident!("__perennial_{}", name, span = span)
}

/// The local variable holding a fresh clone of the `index`-th argument of a task, for one start.
pub(crate) fn fresh_var(name: &Ident, index: usize, span: Span) -> Ident {
    format_ident!("__perennial_{}_{}_now", name, index, span = span)
}

/// The local variable holding the `index`-th argument of the child `name`.
pub(crate) fn arg_var(name: &Ident, index: usize, span: Span) -> Ident {
    format_ident!("__perennial_{}_{}", name, index, span = at(span))
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn taken(words: &[&str]) -> HashSet<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    fn tree(tokens: proc_macro2::TokenStream) -> Tree {
        match syn::parse2::<Tree>(tokens) {
            Ok(tree) => tree,
            Err(error) => panic!("{error}"),
        }
    }

    #[test]
    fn camel_case_joins_the_words() {
        assert_eq!(camel_case("app"), "App");
        assert_eq!(camel_case("db_pool"), "DbPool");
        assert_eq!(camel_case("a1_2b"), "A12b");
    }

    #[test]
    fn the_expression_form_avoids_the_identifiers_of_the_input() {
        let app = tree(quote!(app: supervisor { db: supervisor { a: A } }));
        assert_eq!(expression_root_type(&app, &taken(&[])), "App");
        assert_eq!(expression_root_type(&app, &taken(&["App"])), "AppTree");
        assert_eq!(
            expression_root_type(&app, &taken(&["App", "AppTree_db"])),
            "AppTree2"
        );
    }
}
