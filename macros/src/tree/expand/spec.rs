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

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use super::super::ast::{
    DynamicSupervisor, InitArg, Node, NodeKind, Server, SiblingRef, Supervisor, Task, Tree,
    bare_ident,
};
use super::cx::{Cx, at, located};
use super::{names, settings};
use crate::tree::options::{groups, health, limits, supervision};

/// The statements and the final `TreeSpec` expression of the spec.
pub(super) fn body(cx: &Cx, tree: &Tree) -> TokenStream {
    let rt = &cx.rt;
    let root_ty = &cx.root_ty;
    let mut eager = Vec::new();
    let root = supervisor(cx, &tree.name, &tree.root, &mut eager);
    let options = cx.option_lets.take();
    if !is_global(tree) {
        return quote! {
            #(#eager)*
            #(#options)*
            #rt::tree::TreeSpec::<#root_ty>::new(
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
        let spec = child(cx, node, &tree.root.children, &mut eager);
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

/// `let _: PhantomData<<S as HasClient>::Client>;` at `S`: the first bound asked of a gen_server
/// child's type in a body (see the module's docs).
pub(super) fn assert_server(cx: &Cx, ty: &impl ToTokens) -> TokenStream {
    let (ty, span) = located(ty);
    let rt = cx.rt_at(span);
    quote_spanned! {span=>
        let _: ::core::marker::PhantomData<<#ty as #rt::HasClient>::Client>;
    }
}

/// The same for the child type of a dynamic supervisor: the `GenServer` bound of the field's
/// `DynamicSupervisor<Job>`, then the bounds of `tree::dynamic_spec` (its `Args` are kept for
/// restarts), which every later use of the type repeats.
pub(super) fn assert_dynamic(cx: &Cx, ty: &syn::Type) -> TokenStream {
    let (ty, span) = located(ty);
    let rt = cx.rt_at(span);
    quote_spanned! {span=>
        let _ = ::core::marker::PhantomData::<#rt::supervisor::DynamicSupervisor<#ty>>;
        let _ = #rt::tree::dynamic_spec::<#ty>;
    }
}

/// The `SupervisorSpec` of a (root or nested) supervisor and its children.
fn supervisor(
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
        .map(|child| self::child(cx, child, &supervisor.children, eager));
    let span = at(supervisor.keyword);
    let rt = cx.rt_at(span);
    let new = quote_spanned!(span=> #rt::supervisor::SupervisorSpec::new(#name));
    quote! {
        #new
            #strategy
            #intensity
            #auto_shutdown
            #(.child(#children))*
    }
}

/// The `ChildSpec` of one child, with the options its supervisor applies to it.
fn child(cx: &Cx, node: &Node, siblings: &[Node], eager: &mut Vec<TokenStream>) -> TokenStream {
    let rt = &cx.rt;
    let options = settings::child(cx, node.kind.child_options());
    match &node.kind {
        NodeKind::Server(server) => {
            let spec = self::server(cx, &node.name, server, siblings, eager);
            let health = health::builder(cx, &server.health);
            let groups = groups::emit(&server.groups);
            quote!(#spec #options #health #groups)
        }
        NodeKind::Task(task) => {
            let spec = self::task(cx, &node.name, task, siblings, eager);
            quote!(#spec #options)
        }
        NodeKind::Supervisor(nested) => {
            let spec = supervisor(cx, &node.name, nested, eager);
            quote!(#rt::supervisor::ChildSpec::supervisor(#spec) #options)
        }
        NodeKind::Dynamic(dynamic) => {
            let spec = self::dynamic(cx, &node.name, dynamic, eager);
            quote!(#spec #options)
        }
    }
}

/// Each argument's value and where it is written. Plain expressions are evaluated once: into
/// eager locals, or, when `inline`, left for the caller's own eager statement. A sibling's
/// client is made into a local in the build closure (`closure`): at the sibling's type, while
/// the local is named at the argument, where a mismatch with the child's `Args` lands.
fn args(
    cx: &Cx,
    name: &Ident,
    args: &[InitArg],
    siblings: &[Node],
    inline: bool,
    eager: &mut Vec<TokenStream>,
    closure: &mut TokenStream,
) -> Vec<(TokenStream, Span)> {
    args.iter()
        .enumerate()
        .map(|(index, arg)| match arg {
            InitArg::Expr(expr) => {
                let span = expr.span();
                if inline {
                    return (quote!(#expr), span);
                }
                let var = names::arg_var(name, index, span);
                // `(name)` passes a local that a bare `name` would not (a sibling's client, a
                // task's token): its parentheses are meant, not unused.
                let allow =
                    matches!(expr, syn::Expr::Paren(_)).then(|| quote!(#[allow(unused_parens)]));
                eager.push(quote!(#allow let #var = #expr;));
                (quote!(#var), span)
            }
            InitArg::Sibling(sibling) => {
                let span = sibling.name.span();
                let var = names::arg_var(name, index, span);
                let client = sibling_client(cx, sibling, siblings);
                closure.extend(quote!(let #var = #client;));
                (quote!(#var), span)
            }
        })
        .collect()
}

/// `client::<Pool>(registry, "pool")`, at the sibling's type (whose checks it repeats).
fn sibling_client(cx: &Cx, sibling: &SiblingRef, siblings: &[Node]) -> TokenStream {
    match siblings.get(sibling.index).map(|target| &target.kind) {
        Some(NodeKind::Server(target)) => {
            let (ty, span) = located(&target.ty);
            let rt = cx.rt_at(span);
            let key = sibling.name.to_string();
            quote_spanned!(span=> #rt::tree::client::<#ty>(__perennial_registry, #key))
        }
        // Refused by validation; a best-effort expansion has replaced it.
        _ => {
            let span = at(sibling.name.span());
            let rt = cx.rt_at(span);
            quote_spanned!(span=> #rt::bounds::placeholder())
        }
    }
}

/// `ChildSpec::server_with::<S>(name, move || fresh_args(&args))`, with `S`'s args checked at the
/// user's tokens: one argument is `S::Args` itself, several are a tuple, none is `()`.
fn server(
    cx: &Cx,
    name: &Ident,
    server: &Server,
    siblings: &[Node],
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    let (ty, ty_span) = located(&server.ty);
    let rt_ty = cx.rt_at(ty_span);
    eager.push(assert_server(cx, &server.ty));
    let var = names::var(name);
    // Through `InitArgs` rather than `GenServer`: a projection on `GenServer` also asks its
    // supertrait `Send` of the type, which `#[gen_server]` already reported if it fails.
    let args_ty = quote_spanned!(ty_span=> <#ty as #rt_ty::bounds::InitArgs>::Args);
    let in_closure = server
        .args
        .iter()
        .any(|arg| matches!(arg, InitArg::Sibling(_)));
    let mut closure = TokenStream::new();
    let values = args(
        cx,
        name,
        &server.args,
        siblings,
        !in_closure,
        eager,
        &mut closure,
    );
    let args_span = at(server.args_span);
    let let_ = match values.as_slice() {
        [] => quote_spanned!(args_span=> let #var: #args_ty = ();),
        // One argument is the `Args`: a mismatch lands on it.
        [(one, span)] => quote_spanned!(at(*span)=> let #var: #args_ty = #one;),
        // Several are a tuple: a mismatch lands on their parentheses.
        many => {
            let many = many.iter().map(|(value, _)| value);
            quote_spanned!(args_span=> let #var: #args_ty = (#(#many),*);)
        }
    };
    let rt_args = cx.rt_at(args_span);
    let var_at_args = names::var_at(name, args_span);
    let again = quote_spanned!(args_span=> #rt_args::bounds::fresh_args(&#var_at_args));
    let key = name.to_string();
    let spec = quote_spanned! {ty_span=>
        #rt_ty::supervisor::ChildSpec::server_with::<#ty>(#key, move || #again)
    };
    if in_closure {
        quote!({ #closure #let_ #spec })
    } else {
        eager.push(let_);
        spec
    }
}

/// `ChildSpec::task(name, move || { let a = fresh_args(&arg); task_future(f(a, ..)) })`: the function is
/// evaluated once and called at each (re)start with clones of the arguments. The whole spec is
/// located at the function, where the runtime's bounds on the future (`Send`, its output) are
/// reported; each argument at itself.
///
/// An argument that is the bare word `shutdown` is the task's shutdown token: the spec is then
/// `ChildSpec::task_with_shutdown(name, move |token| ..)` and the token is passed there (a
/// mismatch with the function's parameter lands on the word).
fn task(
    cx: &Cx,
    name: &Ident,
    task: &Task,
    siblings: &[Node],
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    let function = &task.function;
    let fn_span = at(function.span());
    let rt = cx.rt_at(fn_span);
    let var = names::var_at(name, fn_span);
    // Checked to be a function here, at it: when it is not, `#var` is of an unknown type, and
    // its call below reports nothing more.
    eager.push(quote_spanned!(fn_span=> let #var = #rt::bounds::task_function(#function);));
    let token = format_ident!("__perennial_shutdown", span = fn_span);
    fn is_token(arg: &InitArg) -> Option<&Ident> {
        match arg {
            InitArg::Expr(expr) => bare_ident(expr).filter(|ident| *ident == SHUTDOWN_ARG),
            InitArg::Sibling(_) => None,
        }
    }
    let plain: Vec<InitArg> = task
        .args
        .iter()
        .filter(|arg| is_token(arg).is_none())
        .cloned()
        .collect();
    let mut clients = TokenStream::new();
    let values = args(cx, name, &plain, siblings, false, eager, &mut clients);
    let mut values = values.iter().enumerate();
    let mut clones = TokenStream::new();
    let mut call_args = Vec::new();
    let mut takes_token = false;
    for arg in &task.args {
        if let Some(word) = is_token(arg) {
            takes_token = true;
            let span = at(word.span());
            call_args.push(quote_spanned!(span=> ::core::clone::Clone::clone(&#token)));
            continue;
        }
        let Some((index, (kept, span))) = values.next() else {
            continue;
        };
        let span = at(*span);
        let fresh = names::fresh_var(name, index, span);
        let rt_arg = cx.rt_at(span);
        clones.extend(quote_spanned!(span=> let #fresh = #rt_arg::bounds::fresh_args(&#kept);));
        call_args.push(quote!(#fresh));
    }
    let key = name.to_string();
    let spec = if takes_token {
        quote_spanned! {fn_span=>
            #rt::supervisor::ChildSpec::task_with_shutdown(#key, move |#token: #rt::CancellationToken| {
                #clones
                #rt::bounds::task_future(#var(#(#call_args),*))
            })
        }
    } else {
        quote_spanned! {fn_span=>
            #rt::supervisor::ChildSpec::task(#key, move || {
                #clones
                #rt::bounds::task_future(#var(#(#call_args),*))
            })
        }
    };
    if clients.is_empty() {
        spec
    } else {
        quote!({ #clients #spec })
    }
}

/// The word that passes a task its shutdown token: `task(f, shutdown, ..)`.
const SHUTDOWN_ARG: &str = "shutdown";

/// The dynamic supervisor's child spec, checked at the child type.
fn dynamic(
    cx: &Cx,
    name: &Ident,
    dynamic: &DynamicSupervisor,
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    eager.push(assert_dynamic(cx, &dynamic.child_ty));
    let spec = dynamic_spec(cx, name, dynamic);
    let (child_ty, span) = located(&dynamic.child_ty);
    let rt = cx.rt_at(span);
    quote_spanned!(span=> #rt::tree::dynamic_child::<#child_ty>(&#spec))
}

/// `tree::dynamic_spec::<Job>("jobs", DynamicOptions { .. })`, at the child type: the spec
/// builds the tree with it, and the tree's struct attaches its typed handle with it.
pub(super) fn dynamic_spec(cx: &Cx, name: &Ident, dynamic: &DynamicSupervisor) -> TokenStream {
    let (child_ty, span) = located(&dynamic.child_ty);
    let rt = cx.rt_at(span);
    let key = name.to_string();
    let options = settings::dynamic(
        cx,
        &dynamic.max_children,
        &dynamic.limits,
        &dynamic.children,
        &dynamic.children_health,
    );
    quote_spanned!(span=> #rt::tree::dynamic_spec::<#child_ty>(#key, #options))
}
