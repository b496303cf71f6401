//! What every part of the expansion shares: the names and types of one server ([`Names`],
//! computed once), the `where` clause that defers the runtime's bounds, and the small token
//! helpers (mixed-site locals, `Infallible`, a stand-in's body).

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::spanned::Spanned as _;
use syn::visit_mut::VisitMut;
use syn::{Ident, Path, Type, Visibility};

use crate::gen_server::ast::{
    Callback, Handler, InitOutput, Kind, Param, Server, find_borrow, param_ident,
};

/// A full expansion, or stand-ins next to errors.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Full,
    Stub,
}

/// What the expansion needs besides the AST, computed once.
pub(super) struct Names<'a> {
    pub(super) server: &'a Server,
    pub(super) mode: Mode,
    /// `::perennial::__private` (or under the path given as `crate = ..`): every runtime
    /// item the expansion names, the bounds it checks included.
    pub(super) rt: TokenStream,
    pub(super) self_ty: &'a Type,
    pub(super) vis: Visibility,
    pub(super) client: Ident,
    pub(super) call_enum: Ident,
    pub(super) reply_enum: Ident,
    pub(super) cast_enum: Ident,
    /// `where` clause of everything that needs `Server: GenServer`; see [`deferred_bounds`].
    pub(super) bounds: TokenStream,
    /// `#[gen_server(remote)]`: the path of the facade's macro that derives serde on the
    /// message enums, and the serde path as a string for `#[serde(crate = "..")]`.
    pub(super) remote: Option<(TokenStream, proc_macro2::Literal)>,
    /// The path of the `perennial` crate.
    pub(super) krate: Path,
    /// The same bounds, reached through the checks' constant, for what only a user calls
    /// (`start_client`, the client's methods); see [`deferred_bounds`].
    pub(super) checked_bounds: TokenStream,
}

impl<'a> Names<'a> {
    pub(super) fn new(server: &'a Server, mode: Mode) -> Self {
        let krate: Path = server
            .options
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::perennial));
        let self_ty = &*server.item.self_ty;
        let base = match self_ty {
            Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
            _ => None,
        }
        .unwrap_or_else(|| Ident::new("Server", self_ty.span()));
        let base_name = base.to_string();
        let base_name = base_name.trim_start_matches("r#");
        let client = server
            .options
            .client
            .clone()
            .unwrap_or_else(|| format_ident!("{}Client", base_name, span = base.span()));
        let mut names = Names {
            server,
            mode,
            rt: quote!(#krate::__private),
            self_ty,
            vis: server
                .options
                .vis
                .clone()
                .unwrap_or_else(|| syn::parse_quote!(pub)),
            client,
            call_enum: format_ident!("__{}Call", base_name),
            reply_enum: format_ident!("__{}Reply", base_name),
            cast_enum: format_ident!("__{}Cast", base_name),
            bounds: TokenStream::new(),
            remote: server.options.remote.as_ref().map(|_| {
                let serde = format!(
                    "{}::__private::cluster::serde",
                    krate.to_token_stream().to_string().replace(' ', "")
                );
                (
                    quote!(#krate::__remote_messages),
                    proc_macro2::Literal::string(&serde),
                )
            }),
            krate: krate.clone(),
            checked_bounds: TokenStream::new(),
        };
        names.bounds = deferred_bounds(&names, false);
        names.checked_bounds = deferred_bounds(&names, true);
        names
    }

    /// `ty` reached through the checks' constant: `ty` when they passed, an error type when one
    /// failed (see [`deferred_bounds`]).
    pub(super) fn checked(&self, ty: TokenStream) -> TokenStream {
        let checks = &self.rt;
        let self_ty = self.self_ty;
        let constant = checked_const();
        quote!(<[(); <#self_ty>::#constant] as #checks::Checked<#ty>>::Is)
    }

    pub(super) fn stub(&self) -> bool {
        self.mode == Mode::Stub
    }

    pub(super) fn handlers(&self, kind: Kind) -> impl Iterator<Item = &'a Handler> {
        self.server.handlers.iter().filter(move |h| h.kind == kind)
    }

    pub(super) fn has(&self, kind: Kind) -> bool {
        self.handlers(kind).next().is_some()
    }

    /// Whether the server's `kind` message type is a generated enum: when it has such
    /// handlers, and always for a remote server (an empty enum is serde-serialisable,
    /// `Infallible` is not).
    pub(super) fn has_enum(&self, kind: Kind) -> bool {
        self.has(kind) || (self.remote.is_some() && !self.stub())
    }

    /// A type from the user's impl, with `Self` replaced by the server's type, so that it means
    /// the same outside the impl block.
    pub(super) fn resolve(&self, ty: &Type) -> Type {
        let mut ty = ty.clone();
        ReplaceSelf(self.self_ty).visit_type_mut(&mut ty);
        ty
    }

    /// A callback's message parameters: name (`argN` for a pattern, which only a stand-in
    /// meets) and resolved type.
    pub(super) fn fields(&self, func: &Callback) -> Vec<(Ident, Type)> {
        func.message_params()
            .enumerate()
            .map(|(i, pt)| (field_ident(pt, i), self.resolve(&pt.ty)))
            .collect()
    }

    /// The arguments to call `func` with, after `self`: the message fields by name and the
    /// context where the user asked for it.
    pub(super) fn call_args(&self, func: &Callback, ctx: &Ident) -> Vec<TokenStream> {
        let mut i = 0usize;
        func.params()
            .map(|p| match p {
                Param::Context(_) => ctx.to_token_stream(),
                Param::Reply(_) => mixed("__reply").to_token_stream(),
                Param::Message(pt) => {
                    let ident = field_ident(pt, i);
                    i += 1;
                    ident.to_token_stream()
                }
            })
            .collect()
    }

    /// What a call handler replies with: its return type, or the `T` of its `ReplyTo<T>`.
    pub(super) fn reply_ty(&self, func: &Callback) -> Type {
        match (func.reply_token(), func.output()) {
            (Some(ty), _) | (None, Some(ty)) => self.resolve(ty),
            (None, None) => syn::parse_quote!(()),
        }
    }

    /// Whether some call handler replies later (the reply enum then has a variant for "the
    /// token was taken", which no caller ever receives).
    pub(super) fn any_later(&self) -> bool {
        self.handlers(Kind::Call)
            .any(|h| h.func.reply_token().is_some())
    }

    /// `init`'s error type, when it can fail: the `E` of `Result<Self, E>`, or found through
    /// `InitResult` for an alias such as `io::Result<Self>`; with the user's tokens to point at.
    pub(super) fn init_error(&self) -> Option<(Type, Span)> {
        let output = self.server.init.as_ref()?.output()?;
        let checks = &self.rt;
        match self.server.init_output.as_ref()?.as_ref().ok()? {
            InitOutput::State => None,
            InitOutput::Result(error) => Some((self.resolve(error), error.span())),
            InitOutput::ResultAlias(ty) => {
                let ty = self.resolve(ty);
                Some((
                    syn::parse_quote_spanned!(output.span()=> <#ty as #checks::InitResult>::Error),
                    output.span(),
                ))
            }
        }
    }

    /// Whether `init` may decline to start (returns `Option<Self>` or a `Result` of one).
    pub(super) fn init_ignores(&self) -> bool {
        self.server.init_ignores
    }

    /// The message type of the one `#[info]` or `#[handle_continue]` handler: its argument's
    /// type, `()` without one; without a handler, a type with no values named after what is
    /// missing (`NoInfoHandler`), so that a mismatch says it; `Infallible` for a stand-in
    /// whose type could not be a message.
    pub(super) fn single_message_ty(&self, kind: Kind) -> TokenStream {
        let Some(h) = self.handlers(kind).next() else {
            let checks = &self.rt;
            return match kind {
                Kind::Info => quote!(#checks::NoInfoHandler),
                _ => quote!(#checks::NoHandleContinueHandler),
            };
        };
        match self.fields(&h.func).into_iter().next() {
            Some((_, ty)) if self.stub() && find_borrow(&ty).is_some() => never(),
            Some((_, ty)) => ty.into_token_stream(),
            None => quote!(()),
        }
    }
}

/// The name a message parameter binds: its own, or `argN` for a pattern.
fn field_ident(pt: &syn::PatType, i: usize) -> Ident {
    param_ident(pt)
        .cloned()
        .unwrap_or_else(|| format_ident!("arg{}", i, span = pt.span()))
}

/// `Self` -> the server's type, `Self::X` -> `<Server>::X`.
struct ReplaceSelf<'a>(&'a Type);

impl VisitMut for ReplaceSelf<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(p) = ty
            && p.qself.is_none()
            && p.path.leading_colon.is_none()
            && p.path.segments.first().is_some_and(|s| s.ident == "Self")
        {
            if p.path.segments.len() == 1 {
                *ty = self.0.clone();
                return;
            }
            let server = self.0;
            let rest = p.path.segments.iter().skip(1);
            *ty = syn::parse_quote!(<#server> :: #(#rest)::*);
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

/// The bounds the runtime puts on a server, its messages and its init error (`Send`, `Error`),
/// as a `where` clause that is only checked where the items are used: `for<'a>` keeps the
/// compiler from checking a bound without generic parameters at its definition. When the state
/// or a message is not `Send`, the one error at the definitions is then the one from `checks`,
/// at the user's type with the `#[diagnostic::on_unimplemented]` message, instead of a cascade
/// from every generated item that needs `Server: GenServer`.
///
/// `checked`: each type is reached through the checks' constant,
/// `<[(); Server::CHECKED] as Checked<T>>::Is`, which is `T` when the checks passed and an error
/// type when one failed; the bounds then hold, so that the user's calls of `start_client` and of
/// the client's methods do not report the failed check again. Only for items that no trait
/// solving goes through: a message may hold the server's own client (or a client of a server
/// whose messages hold this one's), and the `Send` of that client, asked by the checks, must not
/// depend on the checks' constant.
fn deferred_bounds(n: &Names, checked: bool) -> TokenStream {
    let mut tys: Vec<TokenStream> = vec![n.self_ty.to_token_stream()];
    let mut error = None;
    match n.mode {
        Mode::Full => {
            let funcs = n.server.init.iter();
            for func in funcs.chain(n.server.handlers.iter().map(|h| &h.func)) {
                tys.extend(
                    n.fields(func)
                        .into_iter()
                        .map(|(_, t)| t.into_token_stream()),
                );
            }
            let replies = n.handlers(Kind::Call).filter_map(|h| h.func.output());
            tys.extend(replies.map(|t| n.resolve(t).into_token_stream()));
            let later = n.handlers(Kind::Call).filter_map(|h| h.func.reply_token());
            tys.extend(later.map(|t| n.resolve(t).into_token_stream()));
            error = n.init_error().map(|(ty, _)| ty);
        }
        // A stand-in's only messages are its info and continue types.
        Mode::Stub => {
            for kind in [Kind::Info, Kind::Continue] {
                if n.has(kind) {
                    tys.push(n.single_message_ty(kind));
                }
            }
        }
    }
    let mut seen = Vec::new();
    tys.retain(|t| {
        let key = t.to_string();
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
    let checked = |ty: TokenStream| match n.mode {
        Mode::Full if checked => n.checked(ty),
        Mode::Full | Mode::Stub => ty,
    };
    let tys = tys.into_iter().map(checked);
    let error = error.map(|e| {
        let e = checked(e.into_token_stream());
        quote!(, for<'__send> #e: ::core::error::Error + ::core::marker::Send + ::core::marker::Sync + 'static)
    });
    quote!(where #(for<'__send> #tys: ::core::marker::Send),* #error)
}

pub(super) fn mixed(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

pub(super) fn await_if(func: &Callback) -> TokenStream {
    if func.is_async() {
        quote!(.await)
    } else {
        TokenStream::new()
    }
}

pub(super) fn never() -> TokenStream {
    quote!(::core::convert::Infallible)
}

/// The body of a stand-in: never run, since the crate does not compile.
pub(super) fn unreachable_body(n: &Names, used: &[Ident]) -> TokenStream {
    let message = format!(
        "#[gen_server] could not expand `{}`; see the errors it reported",
        crate::text::type_name(n.self_ty)
    );
    let used = (!used.is_empty()).then(|| quote!(let _ = (#(#used,)*);));
    quote! {
        #used
        ::core::unreachable!(#message)
    }
}

/// `()`, `T` or `(A, B, ..)`.
pub(super) fn tuple_or_single(mut items: Vec<TokenStream>) -> TokenStream {
    match items.len() {
        1 => items.remove(0),
        _ => quote!((#(#items),*)),
    }
}

/// The name of the constant that holds the checks' outcome.
pub(super) fn checked_const() -> Ident {
    Ident::new("__PERENNIAL_CHECKED", proc_macro2::Span::call_site())
}
