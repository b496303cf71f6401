//! The marked handlers: each of the shape its kind needs, and at most one of the kinds a server
//! has one of (`#[info]`, `#[handle_continue]`, `#[down]`).

use syn::Type;

use super::ctx::Ctx;
use super::names::check_client_method_name;
use super::owned::{Use, check_owned};
use super::signature::{Role, check_modifiers, check_params, check_receiver};
use crate::errors::Errors;
use crate::gen_server::ast::{Callback, Handler, Kind, is_unit};
use crate::text::type_name;

pub(super) fn check_handler(kind: Kind, func: &Callback, ctx: &Ctx, errors: &mut Errors) {
    let name = func.ident();
    let attr = kind.attr_name();
    match func.receiver() {
        None => errors.spanned(
            &func.sig.ident,
            format_args!(
                "the #[{attr}] handler `{name}` needs `&mut self` (or `&self`) as its first \
                 argument: handlers run on the server's state"
            ),
        ),
        Some(receiver) => {
            check_receiver(receiver, &format!("the #[{attr}] handler `{name}`"), errors)
        }
    }
    check_modifiers(func, &format!("the #[{attr}] handler `{name}`"), errors);
    check_params(func, Role::Handler(kind), ctx, errors);
    if kind.on_client() {
        check_client_method_name(name, kind, ctx, errors);
    }
    let later = func.reply_token().is_some();
    match (kind, func.output()) {
        (Kind::Call, Some(ty)) if later && !is_unit(ty) => errors.spanned(
            ty,
            format_args!(
                "the #[call] handler `{name}` replies later, through its `ReplyTo<..>`, so it \
                 returns nothing: remove `-> {}` (the caller gets what is given to `reply`), or \
                 remove the `ReplyTo` argument to reply by returning",
                type_name(ty)
            ),
        ),
        (Kind::Call, Some(ty)) => check_owned(ty, Use::Reply, errors),
        (_, Some(ty)) if !is_unit(ty) => errors.spanned(
            ty,
            match kind {
                Kind::Cast => format!(
                    "a #[cast] sends no reply, so `{name}` cannot return `{}`: remove the return \
                     type, or make it a #[call] to send the value back",
                    type_name(ty)
                ),
                _ => format!(
                    "nobody waits for the result of the #[{attr}] handler `{name}`, so it cannot \
                     return `{}`: remove the return type",
                    type_name(ty)
                ),
            },
        ),
        _ => {}
    }
    if kind == Kind::Down {
        check_down(func, errors);
    }
    if matches!(kind, Kind::Info | Kind::Continue) {
        for extra in func.message_params().skip(1) {
            errors.spanned(
                extra,
                format_args!(
                    "the #[{attr}] handler `{name}` takes its message as one argument: bundle \
                     the arguments into one type (a struct, an enum or a tuple)"
                ),
            );
        }
    }
}

/// A `#[down]` handler takes the news, `down: Down`, and the context if it likes.
fn check_down(func: &Callback, errors: &mut Errors) {
    let name = func.ident();
    const SHAPE: &str = "`fn on_down(&mut self, down: Down)` (the context may be taken too)";
    let mut params = func.message_params();
    match params.next() {
        None => errors.spanned(
            &func.sig,
            format_args!(
                "the #[down] handler `{name}` takes the news of the process that is down: write \
                 {SHAPE}"
            ),
        ),
        Some(pt) if !is_down(&pt.ty) => errors.spanned(
            &pt.ty,
            format_args!(
                "a #[down] handler takes the runtime's `Down` (which monitor, which process, \
                 why), not `{}`: write {SHAPE}",
                type_name(&pt.ty)
            ),
        ),
        Some(_) => {}
    }
    for extra in params {
        errors.spanned(
            extra,
            format_args!("the #[down] handler `{name}` takes only the news: write {SHAPE}"),
        );
    }
}

/// `Down`, or a path ending in it (`perennial::Down`), by value.
fn is_down(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => {
            p.qself.is_none()
                && p.path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Down" && s.arguments.is_none())
        }
        Type::Group(g) => is_down(&g.elem),
        Type::Paren(p) => is_down(&p.elem),
        _ => false,
    }
}

/// A second `#[info]`, `#[handle_continue]` or `#[down]` handler.
pub(super) fn second_single(first: &Handler, extra: &Handler, errors: &mut Errors) {
    let kind = extra.kind;
    if kind == Kind::Down {
        errors.spanned(
            &extra.marker,
            format_args!(
                "`{extra}` is a second #[down] handler, after `{first}`; a server has one: tell \
                 the monitors apart there, by `down.monitor` (what `ctx.monitor` returned) or \
                 `down.name`",
                extra = extra.func.ident(),
                first = first.func.ident(),
            ),
        );
        return;
    }
    errors.spanned(
        &extra.marker,
        format_args!(
            "`{extra}` is a second #[{attr}] handler, after `{first}`; a server has one {what} \
             type, so one #[{attr}] handler: take an enum and match on it there",
            extra = extra.func.ident(),
            first = first.func.ident(),
            attr = kind.attr_name(),
            what = match kind {
                Kind::Info => "info",
                Kind::Down => "down message",
                _ => "continue",
            },
        ),
    );
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::gen_server::validate::tests::errors_of;

    #[test]
    fn handlers_run_on_a_borrowed_state() {
        let errors = errors_of(quote! {
            impl S {
                fn init() -> Self { S }
                #[call] fn a(self) {}
                #[cast] fn b(mut self) {}
                #[call] fn c(self: Box<Self>) {}
                #[cast] fn d() {}
            }
        });
        assert_eq!(
            errors,
            [
                "the #[call] handler `a` takes `self` by value, which would consume the \
                 server's state: take `&mut self` (or `&self`)",
                "the #[cast] handler `b` takes `self` by value, which would consume the \
                 server's state: take `&mut self` (or `&self`)",
                "the #[call] handler `c` takes `self: Box<Self>`, but the state stays in the \
                 server: take `&mut self` or `&self`",
                "the #[cast] handler `d` needs `&mut self` (or `&self`) as its first argument: \
                 handlers run on the server's state",
            ]
        );
    }

    #[test]
    fn one_info_and_one_continue_handler_with_one_message() {
        let errors = errors_of(quote! {
            impl S {
                fn init() -> Self { S }
                #[info] fn a(&mut self, m: u8) {}
                #[info] fn b(&mut self, m: u16) {}
                #[handle_continue] fn c(&mut self, x: u8, y: u8) -> u8 { x }
            }
        });
        assert_eq!(
            errors,
            [
                "`b` is a second #[info] handler, after `a`; a server has one info type, so one \
                 #[info] handler: take an enum and match on it there",
                "nobody waits for the result of the #[handle_continue] handler `c`, so it cannot \
                 return `u8`: remove the return type",
                "the #[handle_continue] handler `c` takes its message as one argument: bundle \
                 the arguments into one type (a struct, an enum or a tuple)",
            ]
        );
    }
}
