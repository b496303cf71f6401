//! What every part of the expansion needs ([`Cx`]), and how a generated token lands on the
//! user's: respanned paths, and options given as expressions evaluated once into typed locals.

use proc_macro2::{Group, Literal, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::Ident;

use crate::tree::ast::{Duration, Given, Setting, Words};

/// What every part of the expansion needs.
pub(crate) struct Cx {
    /// `::perennial::__private`
    pub(crate) rt: TokenStream,
    /// `::perennial::__private::cluster`: the cluster crate's tree types with the facade's
    /// `cluster` feature, stand-ins that carry only the feature's error without it.
    pub(crate) cluster: TokenStream,
    /// The root's struct: the header's name, or one made from the root's name.
    pub(crate) root_ty: Ident,
    /// `let`s of the options given as expressions, in the order met: the spec body evaluates
    /// them once, before its `TreeSpec` (see `settings`).
    pub(crate) option_lets: std::cell::RefCell<Vec<TokenStream>>,
}

impl Cx {
    /// `::perennial::__private` located at `span`, for a path whose errors should
    /// land there: an expression's span runs from its first token to its last.
    pub(crate) fn rt_at(&self, span: Span) -> TokenStream {
        respan(self.rt.clone(), span)
    }
}

/// `::core::time::Duration::from_millis(n)`
pub(crate) fn duration(millis: u64) -> TokenStream {
    let millis = Literal::u64_unsuffixed(millis);
    quote!(::core::time::Duration::from_millis(#millis))
}

/// A count the runtime takes as `u32` (validation keeps it in range; a best-effort expansion
/// of an invalid tree clamps it).
pub(crate) fn u32_lit(value: u64) -> Literal {
    Literal::u32_unsuffixed(u32::try_from(value).unwrap_or(u32::MAX))
}

/// The runtime's type of an option given as an expression, at `span`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    Strategy,
    Restart,
    Shutdown,
    Duration,
    U32,
    Usize,
    F64,
    Health,
    Backoff,
    AutoShutdown,
    Bool,
}

impl Cx {
    /// The value of a setting: `literal(value)` for a literal of the DSL, else a local that
    /// holds the expression, evaluated once where the tree's spec is made, with its type written
    /// at the expression (`let __perennial_option_3: Duration = cfg.window;`), so that a value
    /// of another type is reported there, by the type checker, in the user's words.
    pub(crate) fn value<T>(
        &self,
        setting: &Setting<T>,
        ty: Ty,
        literal: impl FnOnce(&T) -> TokenStream,
    ) -> TokenStream {
        let expr = match &setting.value {
            Given::Lit(value) => return literal(value),
            Given::Expr(expr) => expr,
        };
        let span = at(syn::spanned::Spanned::span(&**expr));
        let rt = self.rt_at(span);
        let ty = match ty {
            Ty::Strategy => quote_spanned!(span=> #rt::Strategy),
            Ty::Restart => quote_spanned!(span=> #rt::Restart),
            Ty::Shutdown => quote_spanned!(span=> #rt::Shutdown),
            Ty::Duration => quote_spanned!(span=> ::core::time::Duration),
            Ty::U32 => quote_spanned!(span=> u32),
            Ty::Usize => quote_spanned!(span=> usize),
            Ty::F64 => quote_spanned!(span=> f64),
            Ty::Health => quote_spanned!(span=>
                ::core::option::Option<#rt::HealthCheck>),
            Ty::Backoff => quote_spanned!(span=>
                ::core::option::Option<#rt::Backoff>),
            Ty::AutoShutdown => quote_spanned!(span=> #rt::AutoShutdown),
            Ty::Bool => quote_spanned!(span=> bool),
        };
        let mut lets = self.option_lets.borrow_mut();
        let var = quote::format_ident!("__perennial_option_{}", lets.len(), span = span);
        // `(name)` is how a variable is given where a bare word is the DSL's: meant, not unused.
        let allow = matches!(&**expr, syn::Expr::Paren(_)).then(|| quote!(#[allow(unused_parens)]));
        lets.push(quote_spanned!(span=> #allow let #var: #ty = #expr;));
        quote!(#var)
    }

    /// The value of a word option: the runtime's `supervisor::{ty}::{variant}` for a literal,
    /// as `words` names it, or the local of an expression.
    pub(crate) fn word<T: PartialEq>(
        &self,
        setting: &Setting<T>,
        ty: Ty,
        words: &Words<T>,
    ) -> TokenStream {
        let rt = &self.rt;
        self.value(setting, ty, |literal| {
            // Every value of `T` has its word (the tables are complete): never a panic.
            let variant = words
                .words
                .iter()
                .find(|(_, value, _)| value == literal)
                .map(|(.., variant)| Ident::new(variant, Span::call_site()));
            let ty = Ident::new(words.ty, Span::call_site());
            quote!(#rt::#ty::#variant)
        })
    }

    pub(crate) fn duration(&self, setting: &Setting<Duration>) -> TokenStream {
        self.value(setting, Ty::Duration, |d| duration(d.millis))
    }
}

/// `tokens` with every token, and every group's delimiters, at `span`.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            match &tree {
                TokenTree::Group(group) => {
                    let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                    inner.set_span(span);
                    tree = TokenTree::Group(inner);
                }
                // `$crate` (a type named through a `macro_rules!` wrapper) resolves by its own
                // span: keep it.
                TokenTree::Ident(ident) if ident == "$crate" => {}
                _ => tree.set_span(span),
            }
            tree
        })
        .collect()
}

/// A child's type with every token at one span (the call site's resolution, the type's
/// location), and that span. rustc reports a bound once per span and body, and drops an
/// identical diagnostic, so a type that is not a gen_server is reported once only if every
/// use of it is at the same span.
pub(crate) fn located(ty: &impl ToTokens) -> (TokenStream, Span) {
    let span = at(syn::spanned::Spanned::span(ty));
    (respan(ty.to_token_stream(), span), span)
}

/// A span with the resolution of the macro's call site and the location of `at` (a user's
/// token), for generated tokens whose errors should point at what the user wrote.
pub(crate) fn at(at: Span) -> Span {
    Span::call_site().located_at(at)
}
