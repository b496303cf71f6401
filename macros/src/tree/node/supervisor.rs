//! `name: supervisor(options) { children }`.

use proc_macro2::{Delimiter, Group};
use syn::parse::ParseStream;
use syn::{braced, token};

use crate::tree::ast::Supervisor;
use crate::tree::options::{Options, Place};
use crate::tree::parse::{ParseWith, State, kw, nodes, resolve_siblings};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;

use super::{dynamic, server, task};
use crate::errors::Errors;
use crate::tree::ast::{Node, NodeKind};
use crate::tree::expand::args::Field;
use crate::tree::expand::cx::{Cx, at};
use crate::tree::expand::names;
use crate::tree::expand::settings;
use crate::tree::options::{groups, health, limits, supervision};

impl ParseWith for Supervisor {
    fn parse_with(input: ParseStream, state: &mut State) -> syn::Result<Supervisor> {
        let keyword: kw::supervisor = input.parse()?;
        let place = match state.nesting {
            0 => Place::Root,
            _ => Place::Supervisor,
        };
        let options = Options::read_next(input, Delimiter::Parenthesis, place, state)?;
        if !input.peek(token::Brace) {
            return Err(syn::Error::new(
                keyword.span,
                "a supervisor needs its children in `{ .. }` after it, as in `supervisor(strategy = one_for_one) { cache: Cache(1024) }`",
            ));
        }
        let content;
        let brace = braced!(content in input);
        if content.is_empty() {
            state.at(
                brace.span.join(),
                "a supervisor needs at least one child, as in `{ cache: Cache(1024) }`",
            );
        }
        state.nesting += 1;
        let mut children = nodes(&content, false, state);
        state.nesting -= 1;
        resolve_siblings(&mut children);
        // `supervisor { .. } { restart = .. }`: options after the children, reported by
        // validation, which knows whether this is the root.
        let options_after = if input.peek(token::Brace) {
            Some(input.parse::<Group>()?)
        } else {
            None
        };
        Ok(Supervisor {
            keyword: keyword.span,
            strategy: options.strategy,
            limits: options.limits,
            auto_shutdown: options.auto_shutdown,
            krate: options.krate,
            child: options.child,
            children,
            options_after,
        })
    }
}

/// The `SupervisorSpec` of a (root or nested) supervisor and its children.
pub(crate) fn spec(
    cx: &Cx,
    name: &Ident,
    supervisor: &Supervisor,
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    let name = name.to_string();
    let strategy = supervision::strategy(cx, &supervisor.strategy);
    let intensity = limits::intensity(cx, &supervisor.limits);
    let auto_shutdown = supervision::auto_shutdown(cx, &supervisor.auto_shutdown);
    let children = supervisor
        .children
        .iter()
        .filter(|child| !child.kind.child_options().is_global())
        .map(|node| child(cx, node, &supervisor.children, eager));
    let span = at(supervisor.keyword);
    let rt = cx.rt_at(span);
    let new = quote_spanned!(span=> #rt::SupervisorSpec::new(#name));
    quote! {
        #new
            #strategy
            #intensity
            #auto_shutdown
            #(.child(#children))*
    }
}

/// The `ChildSpec` of one child, with the options its supervisor applies to it.
pub(crate) fn child(
    cx: &Cx,
    node: &Node,
    siblings: &[Node],
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    let rt = &cx.rt;
    let options = settings::child(cx, node.kind.child_options());
    match &node.kind {
        NodeKind::Server(server) => {
            let spec = server::spec(cx, &node.name, server, siblings, eager);
            let health = health::builder(cx, &server.health);
            let groups = groups::emit(&server.groups);
            quote!(#spec #options #health #groups)
        }
        NodeKind::Task(task) => {
            let spec = task::spec(cx, &node.name, task, siblings, eager);
            quote!(#spec #options)
        }
        NodeKind::Supervisor(nested) => {
            let spec = spec(cx, &node.name, nested, eager);
            quote!(#rt::ChildSpec::supervisor(#spec) #options)
        }
        NodeKind::Dynamic(dynamic) => {
            let spec = dynamic::spec(cx, &node.name, dynamic, eager);
            quote!(#spec #options)
        }
    }
}

/// The nested supervisor's own struct (`App_db`), attached to its handle.
pub(crate) fn field(cx: &Cx, name: &Ident) -> Field {
    let key = name.to_string();
    let inner_ty = names::nested_type(cx, name);
    Field {
        doc: format!(" The supervisor `{key}`: its children, and its handle."),
        ty: quote!(#inner_ty),
        init: quote!(#inner_ty::__perennial_attach(__perennial_supervisor.nested(#key))),
        span: proc_macro2::Span::call_site(),
        assert: None,
    }
}

/// `supervisor { .. } { .. }`: a second block after a supervisor's children.
pub(crate) fn check_options_after(
    supervisor: &Supervisor,
    name: &Ident,
    root: bool,
    errors: &mut Errors,
) {
    let Some(group) = &supervisor.options_after else {
        return;
    };
    let first = group.stream().into_iter().next().map(|t| t.to_string());
    let message = match (first.as_deref(), root) {
        (Some("health"), _) => format!(
            "health checks ping gen_servers, and `{name}` is a supervisor, which is not pinged; write `health` in the `{{ .. }}` after each gen_server child"
        ),
        (_, true) => format!(
            "`{name}` is the root supervisor: it has no parent, so no `restart`, `shutdown` or `backoff`, and its own options (`strategy`, `max_restarts`, `within`) go in the `( .. )` after `supervisor`: `{name}: supervisor(strategy = ..) {{ .. }}`"
        ),
        _ => format!(
            "the `{{ .. }}` after `supervisor` holds its children; its options, and how its parent treats it (`restart`, `shutdown`, `backoff`), go in the `( .. )` before them: `{name}: supervisor(restart = ..) {{ .. }}`"
        ),
    };
    errors.at(group.span(), message);
}

crate::tree::parse::strict_parse!(Supervisor);
