//! The started tree's types: one struct per supervisor, with a typed field per child.
//!
//! | child                   | field type                                   | made from                            |
//! |-------------------------|----------------------------------------------|--------------------------------------|
//! | gen_server `cache: Cache` | `<Cache as HasClient>::Client`             | the registry, bound to the name      |
//! | task `metrics`          | `ChildHandle`                                | its supervisor's handle and its name |
//! | supervisor `db`         | `App_db` (its own struct)                    | `handle.nested("db")`                |
//! | dynamic `jobs: ..<Job>` | `DynamicSupervisor<Job>`                     | its `DynamicSpec`, attached to `handle.nested("jobs")` |
//!
//! Every struct also keeps its supervisor's handle: `supervisor()`, `join()`, and `Deref` to
//! `SupervisorHandle` (for `shutdown`, `subscribe`, `snapshot`, `shutdown_on_signals`, ..). The
//! root's handle is the one its start returned; nested ones are bound to their names, so they
//! follow restarts. Each struct is `Clone` (every field is a cheap handle) and `Debug`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;

use super::super::ast::{Header, NodeKind, Supervisor, Tree};
use super::args::{self, Field};
use super::cx::{Cx, located};
use super::{names, spec};
use crate::tree::node::{dynamic, server, supervisor, task};

/// Every struct of the tree, with its impls.
pub(super) fn structs(cx: &Cx, tree: &Tree) -> TokenStream {
    let mut out = TokenStream::new();
    let (attrs, vis) = match &tree.header {
        Some(header) => {
            let attrs = &header.attrs;
            let vis = &header.vis;
            (quote!(#(#attrs)*), quote!(#vis))
        }
        None => (TokenStream::new(), TokenStream::new()),
    };
    let root_doc = if tree.header.is_some() {
        TokenStream::new()
    } else {
        let doc = format!(" The started supervision tree `{}`.", tree.name);
        quote!(#[doc = #doc])
    };
    one(
        cx,
        &cx.root_ty,
        &tree.name,
        &tree.root,
        quote!(#root_doc #attrs),
        &vis,
        &mut out,
    );
    out
}

/// What the tree's spec reaches before it starts (`impl Tree for App`): a struct per supervisor
/// with a field per child, named like the started tree's: `NotStarted<Server>` for a gen_server,
/// `NotStarted<ChildHandle>` for a task, the nested supervisor's struct (no field for a dynamic
/// supervisor, whose type would ask its child type again), so that a child used on the spec
/// (`.start().await` forgotten) is reported as such at the use. In a `const _` block: nothing
/// else can name them.
pub(super) fn not_started(cx: &Cx, tree: &Tree) -> TokenStream {
    let rt = &cx.rt;
    let root_ty = &cx.root_ty;
    let mut structs = TokenStream::new();
    let value = not_started_one(cx, &cx.root_ty, &tree.root, &mut structs);
    let view = view_ident(&cx.root_ty);
    quote! {
        const _: () = {
            #structs

            #[automatically_derived]
            impl #rt::Tree for #root_ty {
                type NotStarted = #view;

                fn not_started() -> #view {
                    #value
                }
            }
        };
    }
}

fn view_ident(ty: &Ident) -> Ident {
    Ident::new(&format!("{ty}NotStarted"), Span::mixed_site())
}

/// The struct of one supervisor's children before the start (into `out`, with those of its
/// nested supervisors), and the expression that makes it.
fn not_started_one(
    cx: &Cx,
    ty: &Ident,
    supervisor: &Supervisor,
    out: &mut TokenStream,
) -> TokenStream {
    let rt = &cx.rt;
    let view = view_ident(ty);
    let mut fields = Vec::new();
    let mut values = Vec::new();
    for child in &supervisor.children {
        let field = &child.name;
        let (field_ty, value) = match &child.kind {
            NodeKind::Server(server) => {
                let server_ty = &server.ty;
                (
                    quote!(#rt::NotStarted<#server_ty>),
                    quote!(#rt::NotStarted::new()),
                )
            }
            NodeKind::Task(_) => (
                quote!(#rt::NotStarted<#rt::ChildHandle>),
                quote!(#rt::NotStarted::new()),
            ),
            NodeKind::Supervisor(inner) => {
                let inner_ty = names::nested_type(cx, field);
                let inner_view = view_ident(&inner_ty);
                let value = not_started_one(cx, &inner_ty, inner, out);
                (quote!(#inner_view), value)
            }
            // Its type would ask its child type to be a gen_server again: a dynamic supervisor
            // used on the spec is an unknown field.
            NodeKind::Dynamic(_) => continue,
        };
        fields.push(quote!(pub #field: #field_ty,));
        values.push(quote!(#field: #value,));
    }
    let supervisor = Ident::new("__perennial_supervisor", Span::mixed_site());
    out.extend(quote! {
        #[allow(dead_code, non_camel_case_types)]
        pub struct #view {
            #(#fields)*
            #supervisor: #rt::NotStarted<#rt::SupervisorHandle>,
        }

        // The started struct's `Deref` to the supervisor's handle, as stand-ins.
        #[automatically_derived]
        impl ::core::ops::Deref for #view {
            type Target = #rt::NotStarted<#rt::SupervisorHandle>;

            fn deref(&self) -> &Self::Target {
                &self.#supervisor
            }
        }
    });
    quote!(#view { #(#values)* #supervisor: #rt::NotStarted::new(), })
}

/// The struct of one supervisor, then those of its nested supervisors.
fn one(
    cx: &Cx,
    ty: &Ident,
    name: &Ident,
    supervisor: &Supervisor,
    attrs: TokenStream,
    vis: &TokenStream,
    out: &mut TokenStream,
) {
    let rt = &cx.rt;
    let mut fields = Vec::new();
    let mut inits = Vec::new();
    let mut field_clones = Vec::new();
    let mut nested = Vec::new();
    let mut uses_registry = false;
    // The checks each child type's uses start with (see `spec`'s docs), so that a type that is
    // not a gen_server is reported once.
    let mut asserts = Vec::new();
    for child in &supervisor.children {
        let field = &child.name;
        let Field {
            doc,
            ty: field_ty,
            init,
            span: field_span,
            assert,
        } = match &child.kind {
            NodeKind::Server(server) => {
                uses_registry = true;
                server::field(cx, field, server)
            }
            NodeKind::Task(_) => task::field(cx, field, name),
            NodeKind::Supervisor(inner) => {
                let field = supervisor::field(cx, field);
                nested.push((names::nested_type(cx, &child.name), &child.name, inner));
                field
            }
            NodeKind::Dynamic(dynamic) => dynamic::field(cx, field, dynamic),
        };
        asserts.extend(assert);
        fields.push(quote! {
            #[doc = #doc]
            pub #field: #field_ty,
        });
        inits.push(quote!(#field: #init,));
        field_clones
            .push(quote_spanned!(field_span=> #field: ::core::clone::Clone::clone(&self.#field),));
    }
    let registry = uses_registry.then(|| {
        quote! {
            let __perennial_registry = ::core::clone::Clone::clone(__perennial_supervisor.registry());
        }
    });
    let name_str = name.to_string();
    let ty_str = ty.to_string();
    let nested_doc = (ty != &cx.root_ty).then(|| {
        let doc = format!(
            " The supervisor `{name_str}` of the tree [`{}`], started: its children, and its handle.",
            cx.root_ty
        );
        quote!(#[doc = #doc])
    });
    out.extend(quote! {
        #nested_doc
        #attrs
        #[allow(dead_code, non_camel_case_types)]
        #vis struct #ty {
            #(#fields)*
            __perennial_supervisor: #rt::SupervisorHandle,
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #ty {
            fn __perennial_attach(__perennial_supervisor: #rt::SupervisorHandle) -> Self {
                #(#asserts)*
                #registry
                #ty {
                    #(#inits)*
                    __perennial_supervisor,
                }
            }

            /// The handle of this supervisor (also reached through `Deref`): its children's
            /// status, lifecycle events, a snapshot, shutdown.
            pub fn supervisor(&self) -> &#rt::SupervisorHandle {
                &self.__perennial_supervisor
            }

            /// Waits until this supervisor ends and returns why: `Shutdown` after `shutdown()`,
            /// `Escalated` (with the chain of causes) when it gave up after too many restarts.
            pub async fn join(&self) -> #rt::ExitReason {
                self.__perennial_supervisor.wait_exit().await
            }
        }

        #[automatically_derived]
        impl ::core::clone::Clone for #ty {
            fn clone(&self) -> Self {
                #(#asserts)*
                #ty {
                    #(#field_clones)*
                    __perennial_supervisor: ::core::clone::Clone::clone(&self.__perennial_supervisor),
                }
            }
        }

        #[automatically_derived]
        impl ::core::ops::Deref for #ty {
            type Target = #rt::SupervisorHandle;

            fn deref(&self) -> &Self::Target {
                &self.__perennial_supervisor
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Debug for #ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#ty_str)
                    .field("supervisor", &self.__perennial_supervisor)
                    .finish_non_exhaustive()
            }
        }
    });
    for (inner_ty, inner_name, inner) in nested {
        one(
            cx,
            &inner_ty,
            inner_name,
            inner,
            TokenStream::new(),
            vis,
            out,
        );
    }
}

/// The item form's API on the root type: typed keys, `spec`, `start`, `start_in`,
/// `start_scoped`.
pub(super) fn item_api(cx: &Cx, tree: &Tree, header: &Header, body: TokenStream) -> TokenStream {
    let rt = &cx.rt;
    let ty = &cx.root_ty;
    let params = header.params.iter().map(|param| {
        let (name, ty) = (&param.name, &param.ty);
        quote!(#name: #ty)
    });
    let params = quote!(#(#params),*);
    let names = header.params.iter().map(|param| &param.name);
    let names = quote!(#(#names),*);
    let keys = keys(cx, &tree.root);
    let registry = Ident::new("registry", proc_macro2::Span::mixed_site());
    let scope = Ident::new("scope", proc_macro2::Span::mixed_site());
    if spec::is_global(tree) {
        let cluster_ty = &cx.cluster;
        let cluster = Ident::new("cluster", proc_macro2::Span::mixed_site());
        let backend = Ident::new("B", proc_macro2::Span::mixed_site());
        // What both starts return.
        let started = quote! {
            impl ::core::future::Future<
                Output = ::core::result::Result<
                    #cluster_ty::ClusterTree<Self>,
                    #cluster_ty::ClusterError,
                >,
            > + ::core::marker::Send
        };
        return quote! {
            #[automatically_derived]
            #[allow(dead_code)]
            impl #ty {
                #(#keys)*

                /// The tree, not started yet: each init argument is evaluated now, once, and
                /// cloned for every start and restart of its child. Its `scope = global`
                /// children start in a cluster.
                pub fn spec(#params) -> #cluster_ty::ClusterTreeSpec<Self> {
                    #body
                }

                /// Starts the tree in `cluster` with a registry of its own: the local children
                /// start in declaration order; each `scope = global` child stands by until
                /// this node claims its name, then starts under the root.
                pub fn start_in_cluster<#backend: #cluster_ty::NameBackend>(
                    #cluster: &#cluster_ty::Cluster<#backend>,
                    #params
                ) -> #started {
                    Self::spec(#names).start_in_cluster(#cluster)
                }

                /// Starts the tree in `cluster` with its names in `registry`.
                pub fn start_in_cluster_with<#backend: #cluster_ty::NameBackend>(
                    #cluster: &#cluster_ty::Cluster<#backend>,
                    #registry: &#rt::Registry,
                    #params
                ) -> #started {
                    Self::spec(#names).start_in_cluster_with(#cluster, #registry)
                }
            }
        };
    }
    quote! {
        #[automatically_derived]
        #[allow(dead_code)]
        impl #ty {
            #(#keys)*

            /// The tree, not started yet: each init argument is evaluated now, once, and
            /// cloned for every start and restart of its child.
            pub fn spec(#params) -> #rt::TreeSpec<Self> {
                #body
            }

            /// Starts the tree with a registry of its own: children start in declaration order,
            /// each after the previous one's `init`. If one fails, those already started are
            /// stopped in reverse order and the error names it.
            pub fn start(#params) -> #rt::Starting<Self> {
                Self::spec(#names).start()
            }

            /// Starts the tree with its names in `registry`, shared with whoever else uses it.
            pub fn start_in(
                #registry: &#rt::Registry,
                #params
            ) -> #rt::Starting<Self> {
                Self::spec(#names).start_in(#registry)
            }

            /// Starts the tree inside `scope` of `registry`: every name of the tree is
            /// registered as `scope/name`, so this tree type can be started once per scope in
            /// one registry. The tree's clients, keys (through its `registry()`) and handles use
            /// the scoped names; from outside, the full names reach them.
            pub fn start_scoped(
                #registry: &#rt::Registry,
                #scope: &str,
                #params
            ) -> #rt::Starting<Self> {
                Self::spec(#names).start_scoped(#registry, #scope)
            }
        }
    }
}

/// `pub const CACHE: Key<Cache> = Key::new("cache");` for every gen_server of the tree.
fn keys(cx: &Cx, supervisor: &Supervisor) -> Vec<TokenStream> {
    let mut keys = Vec::new();
    for child in &supervisor.children {
        match &child.kind {
            NodeKind::Server(server) => {
                let key = names::key(&child.name);
                let name = child.name.to_string();
                let (ty, span) = located(&server.ty);
                let rt = cx.rt_at(span);
                let doc = format!(
                    " The typed registry key of the gen_server `{name}`: `tree.registry().get(Self::{key})` is a reference bound to it."
                );
                let key_ty = quote_spanned!(span=> #rt::Key<#ty>);
                // The value asks the struct's `HasClient` bound first, at the same span, so a
                // type that is not a gen_server is reported once (see `spec`).
                let assert = args::assert_server(cx, &server.ty);
                let new = quote_spanned!(span=> #rt::key::<#ty>(#name));
                keys.push(quote! {
                    #[doc = #doc]
                    pub const #key: #key_ty = {
                        #assert
                        #new
                    };
                });
            }
            NodeKind::Supervisor(nested) => keys.extend(self::keys(cx, nested)),
            NodeKind::Task(_) | NodeKind::Dynamic(_) => {}
        }
    }
    keys
}
