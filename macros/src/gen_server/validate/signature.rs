//! The signature every callback shares: its receiver, its modifiers, and its parameters (the
//! context, the reply token, the message arguments as plain names of owned types).

use quote::ToTokens;
use syn::{Pat, Receiver, ReceiverKind, Type};

use super::ctx::Ctx;
use super::owned::{Use, check_owned};
use crate::errors::Errors;
use crate::gen_server::ast::{
    Callback, ContextShape, Kind, Param, ReplyShape, START_CLIENT, context_shape, param_ident,
    reply_shape,
};
use crate::text::type_name;

/// Where a callback's parameters end up, for messages.
#[derive(Clone, Copy)]
pub(super) enum Role {
    Init,
    Handler(Kind),
}

pub(super) fn check_receiver(receiver: &Receiver, who: &str, errors: &mut Errors) {
    match &receiver.kind {
        ReceiverKind::Reference(..) => {}
        ReceiverKind::Typed(_, ty) if is_ref_to_self(ty) => {}
        ReceiverKind::Typed(_, ty) => errors.spanned(
            ty,
            format_args!(
                "{who} takes `self: {}`, but the state stays in the server: take `&mut self` or \
                 `&self`",
                type_name(ty)
            ),
        ),
        _ => errors.spanned(
            receiver,
            format_args!(
                "{who} takes `self` by value, which would consume the server's state: take \
                 `&mut self` (or `&self`)"
            ),
        ),
    }
}

fn is_ref_to_self(ty: &Type) -> bool {
    matches!(ty, Type::Reference(r) if matches!(&*r.elem, Type::Path(p) if p.path.is_ident("Self")))
}

/// `unsafe`, `extern` and generic parameters.
pub(super) fn check_modifiers(func: &Callback, who: &str, errors: &mut Errors) {
    let sig = &func.sig;
    if let syn::Safety::Unsafe(token) = &sig.safety {
        errors.spanned(
            token,
            format_args!("{who} cannot be `unsafe`: remove `unsafe`"),
        );
    }
    if let Some(abi) = &sig.abi {
        errors.spanned(
            abi,
            format_args!("{who} cannot be `extern`: remove the ABI"),
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        let tokens = if sig.generics.params.is_empty() {
            sig.generics.where_clause.to_token_stream()
        } else {
            sig.generics.to_token_stream()
        };
        errors.spanned(
            tokens,
            format_args!(
                "{who} cannot be generic: its arguments travel in a message type, which needs \
                 concrete types"
            ),
        );
    }
}

pub(super) fn check_params(func: &Callback, role: Role, ctx: &Ctx, errors: &mut Errors) {
    let name = func.ident();
    let mut seen_context = false;
    let mut seen_reply = false;
    for param in func.params() {
        match param {
            Param::Reply(pt) => {
                if !matches!(role, Role::Handler(Kind::Call)) {
                    let who = match role {
                        Role::Init => "`init`".to_string(),
                        Role::Handler(kind) => {
                            format!("the #[{}] handler `{name}`", kind.attr_name())
                        }
                    };
                    errors.spanned(
                        &pt.ty,
                        format_args!(
                            "{who} answers no call, so it has no reply token to take: only a \
                             #[call] handler can take `ReplyTo<..>`, to reply later"
                        ),
                    );
                } else if std::mem::replace(&mut seen_reply, true) {
                    errors.spanned(
                        pt,
                        format_args!(
                            "`{name}` takes a reply token twice, but a call is answered once; \
                             keep one"
                        ),
                    );
                } else {
                    check_reply_token(&pt.ty, errors);
                }
            }
            Param::Context(pt) => {
                if std::mem::replace(&mut seen_context, true) {
                    errors.spanned(
                        pt,
                        format_args!("`{name}` takes the context twice; keep one"),
                    );
                } else {
                    check_context(&pt.ty, errors);
                }
            }
            Param::Message(pt) => {
                if param_ident(pt).is_none() {
                    errors.spanned(&pt.pat, pattern_message(&pt.pat, func, role, ctx));
                }
                check_owned(&pt.ty, Use::Message, errors);
            }
        }
    }
}

/// A reply token is taken by value, with the type the caller gets: `reply: ReplyTo<T>`.
fn check_reply_token(ty: &Type, errors: &mut Errors) {
    match reply_shape(ty) {
        Some(ReplyShape::Token(reply)) => check_owned(reply, Use::Reply, errors),
        None => {}
        Some(ReplyShape::Borrowed) => errors.spanned(
            ty,
            format_args!(
                "the reply token is given to the handler to keep (in the state, or in a task), \
                 not lent: take `reply: ReplyTo<T>` by value, not `{}`",
                type_name(ty)
            ),
        ),
        Some(ReplyShape::NoType) => errors.spanned(
            ty,
            format_args!(
                "`{}` needs the type of the reply the caller gets: write `ReplyTo<T>`",
                type_name(ty)
            ),
        ),
    }
}

/// A parameter taken for the runtime's context must be `&mut Context<Self>` (or `&Context<Self>`).
fn check_context(ty: &Type, errors: &mut Errors) {
    match context_shape(ty) {
        Some(ContextShape::Borrowed) | None => {}
        Some(ContextShape::ByValue) => errors.spanned(
            ty,
            format_args!(
                "the context is lent to the callback for one message, not given away: take \
                 `ctx: &mut Context<Self>`, not `{}`",
                type_name(ty)
            ),
        ),
        Some(ContextShape::NoServer) => errors.spanned(
            ty,
            format_args!(
                "`Context` is generic over the server: take `ctx: &mut Context<Self>`, not `{}`",
                type_name(ty)
            ),
        ),
    }
}

fn pattern_message(pat: &Pat, func: &Callback, role: Role, ctx: &Ctx) -> String {
    let name = func.ident();
    let becomes = match role {
        Role::Init => format!(
            "it becomes a parameter of the generated `{}::{START_CLIENT}`",
            ctx.server_name
        ),
        Role::Handler(kind) if kind.on_client() => format!(
            "it becomes a parameter of the generated `{}::{name}`",
            ctx.client_name
        ),
        Role::Handler(_) => "it becomes a field of the message".to_owned(),
    };
    match pat {
        Pat::Wild(_) => format!(
            "give this argument of `{name}` a name ({becomes}); prefix it with `_` if the \
             handler does not use it"
        ),
        _ => format!(
            "an argument of `{name}` must be a plain name such as `point: Point`, because \
             {becomes}; take it whole and destructure it in the body"
        ),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::gen_server::validate::tests::errors_of;

    #[test]
    fn the_context_is_lent_and_the_reason_borrowed() {
        let errors = errors_of(quote! {
            impl S {
                fn init(ctx: Context<Self>) -> Self { S }
                #[cast] fn a(&mut self, ctx: &mut Context) {}
                #[cast] fn b(&mut self, ctx: &Context<Self>, cx: otel::Context) {}
                fn terminate(&mut self, reason: ExitReason) {}
            }
        });
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(
            errors[0].starts_with("the context is lent"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("`Context` is generic"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].starts_with("`terminate` borrows the exit reason"),
            "{}",
            errors[2]
        );
    }
}
