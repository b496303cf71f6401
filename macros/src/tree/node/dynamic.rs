//! `name: dynamic_supervisor<ChildType>(options, children = { options of its children })`.

use proc_macro2::{Delimiter, Group, TokenTree};
use syn::parse::ParseStream;
use syn::{Token, Type, token};

use crate::text::type_name;
use crate::tree::ast::DynamicSupervisor;
use crate::tree::options::{Options, Place};
use crate::tree::parse::{ParseWith, State, kw};
use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::Ident;

use crate::tree::expand::args::Field;
use crate::tree::expand::args::assert_dynamic;
use crate::tree::expand::cx::{Cx, located};
use crate::tree::expand::settings;
use quote::quote;

impl ParseWith for DynamicSupervisor {
    fn parse_with(input: ParseStream, state: &mut State) -> syn::Result<DynamicSupervisor> {
        let keyword: kw::dynamic_supervisor = input.parse()?;
        if !input.peek(Token![<]) {
            return Err(syn::Error::new(
                keyword.span,
                "a dynamic_supervisor needs the gen_server type of the children it starts, as in `dynamic_supervisor<Job>(max_children = 100)`",
            ));
        }
        input.parse::<Token![<]>()?;
        let child_ty: Type = input.parse()?;
        input.parse::<Token![>]>()?;
        let own = Options::read_next(input, Delimiter::Parenthesis, Place::Dynamic, state)?;
        if input.peek(token::Brace) {
            braces_after(&input.parse::<Group>()?, state);
        }
        let children = own
            .children
            .map(|(_, children)| *children)
            .unwrap_or_default();
        Ok(DynamicSupervisor {
            child_ty,
            max_children: own.max_children,
            limits: own.limits,
            child: own.child,
            children: children.child,
            children_health: children.health,
        })
    }
}

/// `{ .. }` after a dynamic supervisor: refused, since it could mean how its parent treats it
/// (as after any other child) or how it treats the children it starts. Both are written in its
/// `( .. )`, the latter as `children = { .. }`.
fn braces_after(group: &Group, state: &mut State) {
    let mut trees = group.stream().into_iter();
    let lists_children = matches!(
        (trees.next(), trees.next()),
        (Some(TokenTree::Ident(_)), Some(TokenTree::Punct(colon))) if colon.as_char() == ':'
    );
    if lists_children {
        state.at(
            group.span(),
            "a dynamic_supervisor lists no children: it starts them at run time with `start_child`; options of those children go in its `( .. )`, as `children = { restart = temporary }`",
        );
        return;
    }
    let written = type_name(&group.stream());
    state.at(
        group.span(),
        format!(
            "options in `{{ .. }}` after a dynamic_supervisor would be ambiguous: they could be how its parent treats it, or how it treats the children it starts; write both in its `( .. )`: the children's as `children = {{ {written} }}`, its own (`restart`, `shutdown`, `backoff`) as they are"
        ),
    );
}

/// The dynamic supervisor's child spec, checked at the child type.
pub(crate) fn spec(
    cx: &Cx,
    name: &Ident,
    dynamic: &DynamicSupervisor,
    eager: &mut Vec<TokenStream>,
) -> TokenStream {
    eager.push(assert_dynamic(cx, &dynamic.child_ty));
    let spec = dynamic_spec(cx, name, dynamic);
    let (child_ty, span) = located(&dynamic.child_ty);
    let rt = cx.rt_at(span);
    quote_spanned!(span=> #rt::dynamic_child::<#child_ty>(&#spec))
}

/// `tree::dynamic_spec::<Job>("jobs", DynamicOptions { .. })`, at the child type: the spec
/// builds the tree with it, and the tree's struct attaches its typed handle with it.
pub(crate) fn dynamic_spec(cx: &Cx, name: &Ident, dynamic: &DynamicSupervisor) -> TokenStream {
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
    quote_spanned!(span=> #rt::dynamic_spec::<#child_ty>(#key, #options))
}

/// `DynamicSupervisor<Job>`, attached to its handle.
pub(crate) fn field(cx: &Cx, name: &Ident, dynamic: &DynamicSupervisor) -> Field {
    let key = name.to_string();
    let (child_ty, span) = located(&dynamic.child_ty);
    let rt_ty = cx.rt_at(span);
    Field {
        doc: format!(
            " The dynamic supervisor `{key}`: starts `{}` children at run time.",
            quote!(#child_ty).to_string().replace(' ', "")
        ),
        ty: quote_spanned!(span=> #rt_ty::DynamicSupervisor<#child_ty>),
        init: quote_spanned!(span=> #rt_ty::dynamic_attach::<#child_ty>(
            __perennial_supervisor.nested(#key),
        )),
        span,
        assert: Some(assert_dynamic(cx, &dynamic.child_ty)),
    }
}

crate::tree::parse::strict_parse!(DynamicSupervisor);
