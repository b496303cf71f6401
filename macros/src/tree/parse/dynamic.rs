//! `name: dynamic_supervisor<ChildType>(options) { options of its children }`.

use proc_macro2::Group;
use syn::parse::ParseStream;
use syn::{Token, Type, token};

use super::{ParseWith, kw};
use crate::tree::ast::DynamicSupervisor;
use crate::tree::errors::Errors;
use crate::tree::options::{Options, Place};

impl ParseWith for DynamicSupervisor {
    fn parse_with(input: ParseStream, errors: &mut Errors) -> syn::Result<DynamicSupervisor> {
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
        let own = if input.peek(token::Paren) {
            Options::read(&input.parse::<Group>()?, Place::Dynamic, errors)
        } else {
            Options::default()
        };
        let children = if input.peek(token::Brace) {
            Options::read(&input.parse::<Group>()?, Place::DynamicChildren, errors)
        } else {
            Options::default()
        };
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

super::strict_parse!(DynamicSupervisor);
