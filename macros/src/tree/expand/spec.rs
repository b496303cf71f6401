//! The spec body: every init argument evaluated once, where the macro is called (so it may use
//! local variables or the header's parameters), then a `TreeSpec` whose build closure makes the
//! runtime's specs against the tree's registry. Each (re)start of a child gets a clone of its
//! arguments; an argument naming an earlier sibling is that sibling's typed client, made from
//! the registry inside the build closure.
//!
//! ```text
//! let __perennial_cache: <Cache as GenServer>::Args = 1024;        // spanned at `1024`
//! TreeSpec::<App>::new(move |__perennial_registry| {
//!     SupervisorSpec::new("app")
//!         .child(ChildSpec::server_with::<Cache>("cache", move || again(&__perennial_cache)))
//! }, App::__perennial_attach)
//! ```

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use super::super::ast::{DynamicSupervisor, InitArg, Node, NodeKind, Server, Supervisor, Task, Tree};
use super::{Cx, at, names, settings};

/// The statements and the final `TreeSpec` expression of the spec.
pub(super) fn body(cx: &Cx, tree: &Tree) -> TokenStream {
    let rt = &cx.rt;
    let root_ty = &cx.root_ty;
    let mut eager = Vec::new();
    let root = supervisor(cx, &tree.name, &tree.root, &mut eager);
    quote! {
        #(#eager)*
        #rt::tree::TreeSpec::<#root_ty>::new(
            move |__perennial_registry: &#rt::Registry| #root,
            #root_ty::__perennial_attach,
        )
    }
}

/// The `SupervisorSpec` of a (root or nested) supervisor and its children.
fn supervisor(
    cx: &Cx,
    name: &Ident,
    supervisor: &Supervisor,
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    let rt = &cx.rt;
    let name = name.to_string();
    let strategy = settings::strategy(cx, &supervisor.strategy);
    let intensity = settings::intensity(cx, &supervisor.limits);
    let children = supervisor
        .children
        .iter()
        .map(|child| self::child(cx, child, &supervisor.children, eager));
    let new = quote_spanned!(at(supervisor.keyword)=> #rt::supervisor::SupervisorSpec::new);
    quote! {
        #new(#name)
            #strategy
            #intensity
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
            let health = settings::health(cx, &server.health);
            quote!(#spec #options #health)
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
            quote!(#rt::supervisor::ChildSpec::supervisor(#spec) #options)
        }
    }
}

/// An argument as the spec uses it: an eager local, or a sibling's client (made in the build
/// closure, before the child's spec).
struct Arg {
    value: TokenStream,
    span: Span,
    /// A sibling's client (or its placeholder), made in the build closure.
    client: bool,
}

/// Evaluates the plain arguments once (into eager locals, unless `inline`), and makes the
/// siblings' clients in the build closure. Returns the value of each argument, and whether any
/// is a sibling.
fn args(
    cx: &Cx,
    name: &Ident,
    args: &[InitArg],
    siblings: &[Node],
    inline: bool,
    eager: &mut Vec<TokenStream>,
) -> Vec<Arg> {
    let rt = &cx.rt;
    args.iter()
        .enumerate()
        .map(|(index, arg)| match arg {
            InitArg::Expr(expr) => {
                let span = expr.span();
                if inline {
                    return Arg {
                        value: quote!(#expr),
                        span,
                        client: false,
                    };
                }
                let var = names::arg_var(name, index, span);
                eager.push(quote!(let #var = #expr;));
                Arg {
                    value: quote!(#var),
                    span,
                    client: false,
                }
            }
            InitArg::Sibling(sibling) => {
                let span = sibling.name.span();
                let target = siblings.get(sibling.index).map(|target| &target.kind);
                let value = match target {
                    Some(NodeKind::Server(target)) => {
                        let ty = &target.ty;
                        let key = sibling.name.to_string();
                        quote_spanned!(at(span)=> #rt::tree::client::<#ty>(__perennial_registry, #key))
                    }
                    // Refused by validation; a best-effort expansion has replaced it.
                    _ => quote_spanned!(at(span)=> #rt::checks::placeholder()),
                };
                Arg {
                    value,
                    span,
                    client: true,
                }
            }
        })
        .collect()
}

/// `ChildSpec::server_with::<S>(name, move || again(&args))`, with `S`'s args checked at the
/// user's tokens: one argument is `S::Args` itself, several are a tuple, none is `()`.
fn server(
    cx: &Cx,
    name: &Ident,
    server: &Server,
    siblings: &[Node],
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    let rt = &cx.rt;
    let ty = &server.ty;
    let ty_span = at(ty.span());
    eager.push(quote_spanned!(ty_span=> #rt::checks::server::<#ty>();));
    let var = names::var(name);
    let args_ty = quote_spanned!(ty_span=> <#ty as #rt::GenServer>::Args);
    let has_sibling = server
        .args
        .iter()
        .any(|arg| matches!(arg, InitArg::Sibling(_)));
    let values = args(cx, name, &server.args, siblings, !has_sibling, eager);
    let args_span = at(server.args_span);
    let value = match values.as_slice() {
        [] => quote_spanned!(args_span=> ()),
        [one] => {
            let (value, span) = (&one.value, at(one.span));
            let let_ = quote_spanned!(span=> let #var: #args_ty = #value;);
            return finish(cx, name, ty, &var, args_span, let_, has_sibling, eager);
        }
        many => {
            let values = many.iter().map(|arg| &arg.value);
            quote_spanned!(args_span=> (#(#values),*))
        }
    };
    let let_ = quote_spanned!(args_span=> let #var: #args_ty = #value;);
    finish(cx, name, ty, &var, args_span, let_, has_sibling, eager)
}

#[allow(clippy::too_many_arguments, reason = "one call site, each a distinct piece")]
fn finish(
    cx: &Cx,
    name: &Ident,
    ty: &syn::Path,
    var: &Ident,
    args_span: Span,
    let_: TokenStream,
    in_closure: bool,
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    let rt = &cx.rt;
    let name = name.to_string();
    let again = quote_spanned!(args_span=> #rt::checks::again(&#var));
    let spec = quote! {
        #rt::supervisor::ChildSpec::server_with::<#ty>(#name, move || #again)
    };
    if in_closure {
        quote!({ #let_ #spec })
    } else {
        eager.push(let_);
        spec
    }
}

/// `ChildSpec::task(name, move || task(f(again(&a0), ..)))`: the function is evaluated once
/// and called at each (re)start with clones of the arguments.
fn task(
    cx: &Cx,
    name: &Ident,
    task: &Task,
    siblings: &[Node],
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    let rt = &cx.rt;
    let function = &task.function;
    let fn_span = at(function.span());
    let var = names::var(name);
    eager.push(quote!(let #var = #function;));
    let values = args(cx, name, &task.args, siblings, false, eager);
    let mut in_closure = TokenStream::new();
    let mut call_args = Vec::new();
    for (index, arg) in values.iter().enumerate() {
        let span = at(arg.span);
        let arg_var = names::arg_var(name, index, arg.span);
        if arg.client {
            let value = &arg.value;
            in_closure.extend(quote!(let #arg_var = #value;));
        }
        call_args.push(quote_spanned!(span=> #rt::checks::again(&#arg_var)));
    }
    let key = name.to_string();
    let call = quote_spanned!(fn_span=> #rt::checks::task(#var(#(#call_args),*)));
    // The runtime's bounds on the future (`Send`, its output) are reported at `task`.
    let new = quote_spanned!(at(task.keyword)=> #rt::supervisor::ChildSpec::task);
    let spec = quote!(#new(#key, move || #call));
    if in_closure.is_empty() {
        spec
    } else {
        quote!({ #in_closure #spec })
    }
}

/// The dynamic supervisor's spec, made by the root's `__perennial_<name>()` (which also
/// attaches its typed handle), checked at the child type.
fn dynamic(
    cx: &Cx,
    name: &Ident,
    dynamic: &DynamicSupervisor,
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    let rt = &cx.rt;
    let root_ty = &cx.root_ty;
    let child_ty = &dynamic.child_ty;
    eager.push(quote_spanned!(at(child_ty.span())=> #rt::checks::dynamic::<#child_ty>();));
    let function = names::dynamic_fn(name);
    let supervisor_spec = quote_spanned!(at(dynamic.keyword)=> supervisor_spec);
    quote!(#root_ty::#function().#supervisor_spec())
}
