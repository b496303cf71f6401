//! The spec body: every init argument evaluated once, where the macro is called (so it may use
//! local variables or the header's parameters), then a `TreeSpec` whose build closure makes the
//! runtime's specs against the tree's registry. Each (re)start of a child gets a clone of its
//! arguments; an argument naming an earlier sibling is that sibling's typed client, made from
//! the registry inside the build closure.
//!
//! ```text
//! let _: PhantomData<<Cache as HasClient>::Client>;                  // at `Cache`
//! let __perennial_cache: <Cache as InitArgs>::Args = 1024;           // at `1024`
//! TreeSpec::<App>::new(move |__perennial_registry| {
//!     SupervisorSpec::new("app")
//!         .child(ChildSpec::server_with::<Cache>("cache", move || fresh_args(&__perennial_cache)))
//! }, App::__perennial_attach)
//! ```
//!
//! # Where type errors land
//!
//! Every expression that names a child's type is located at that type, and the first thing
//! each body asks of the type is the plain `HasClient` (or, for a dynamic supervisor's child,
//! `GenServer`) bound the tree's struct asks too: a type that is not a gen_server is then
//! reported once, at the type (rustc drops a repeated diagnostic, and within a body the errors
//! a reported bound implies), rather than once per use. Arguments are checked at themselves.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::super::ast::{NodeKind, Tree};
use super::cx::{Cx, at, located};
use crate::tree::node::supervisor;

/// The statements and the final `TreeSpec` expression of the spec.
pub(super) fn body(cx: &Cx, tree: &Tree) -> TokenStream {
    let rt = &cx.rt;
    let root_ty = &cx.root_ty;
    let mut eager = Vec::new();
    let root = supervisor::spec(cx, &tree.name, &tree.root, &mut eager);
    let options = cx.option_lets.take();
    if !is_global(tree) {
        return quote! {
            #(#eager)*
            #(#options)*
            #rt::TreeSpec::<#root_ty>::new(
                move |__perennial_registry: &#rt::Registry| #root,
                #root_ty::__perennial_attach,
            )
        };
    }
    // `scope = global` children (of the root only: checked by validation) are not children
    // of the root's spec: the cluster layer adds each to the root when this node claims it.
    let cluster = &cx.cluster;
    let mut globals = Vec::new();
    for node in tree
        .root
        .children
        .iter()
        .filter(|n| n.kind.child_options().is_global())
    {
        if let Some(scope) = &node.kind.child_options().scope {
            // The feature's error, at `global`.
            let span = at(scope.span);
            eager.push(quote_spanned!(span=> #cluster::require_cluster_feature::<()>();));
        }
        let spec = supervisor::child(cx, node, &tree.root.children, &mut eager);
        let export = node
            .kind
            .child_options()
            .export
            .as_ref()
            .and_then(|e| e.lit());
        globals.push(match &node.kind {
            // `export = true`: its server must be remote, asked at the server's type.
            NodeKind::Server(server) if export == Some(&true) => {
                let (ty, span) = located(&server.ty);
                quote_spanned!(span=> #cluster::exported_child::<#ty>(#spec))
            }
            NodeKind::Server(server) if export == Some(&false) => {
                let (ty, span) = located(&server.ty);
                let kind = quote_spanned!(span=> ::core::any::type_name::<#ty>());
                quote!(#cluster::global_child(#kind, #spec))
            }
            // Not said: exported when its server is remote (`#[gen_server(remote)]`), chosen
            // by method resolution on the probe (by value when `S: RemoteServer`, else by
            // reference).
            NodeKind::Server(server) => {
                let (ty, span) = located(&server.ty);
                quote_spanned! {span=>
                    {
                        use #cluster::{ExportIfRemote as _, KeepLocal as _};
                        (&#cluster::ExportProbe::<#ty>::new()).global_child(#spec)
                    }
                }
            }
            _ => quote!(#cluster::global_child("task", #spec)),
        });
    }
    // The global children's option expressions, made while expanding them.
    let options = options.into_iter().chain(cx.option_lets.take());
    quote! {
        #(#eager)*
        #(#options)*
        #cluster::ClusterTreeSpec::<#root_ty>::new(
            move |__perennial_registry: &#rt::Registry| {
                (#root, ::std::vec![#(#globals),*])
            },
            #root_ty::__perennial_attach,
        )
    }
}

/// Whether a child of the root is `scope = global`: the tree then starts in a cluster.
pub(super) fn is_global(tree: &Tree) -> bool {
    tree.root
        .children
        .iter()
        .any(|node| node.kind.child_options().is_global())
}
