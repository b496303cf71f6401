//! `init` and `terminate`, the callbacks found by their names: one of each, of the right shape,
//! and a missing `init` reported where it was most likely meant.

use syn::Type;

use super::ctx::Ctx;
use super::signature::{Role, check_modifiers, check_params, check_receiver};
use crate::errors::Errors;
use crate::gen_server::ast::{Callback, InitOutput, Param, Server, is_unit};
use crate::text::type_name;

/// No `init`: reported at the method that was most likely meant to be it (a near miss of the
/// name, or a function building the state), else at the server's type.
pub(super) fn missing_init(server: &Server, ctx: &Ctx, errors: &mut Errors) {
    if let Some(f) = server.init_candidate() {
        let name = f.ident();
        errors.spanned(
            name,
            format_args!(
                "gen_server `{server}` has no `init`, and `{name}` looks like it; did you mean \
                 `init`? #[gen_server] finds `init` by its name: rename `{name}` to `init`",
                server = ctx.server_name
            ),
        );
        return;
    }
    errors.spanned(
        &server.item.self_ty,
        format_args!(
            "gen_server `{name}` has no `init`: add `async fn init(args) -> Result<Self, E>` \
             (or `-> Self` when it cannot fail) to this impl block; it builds the state when \
             the server starts. A server has one #[gen_server] impl block: if `{name}` has \
             another, move these methods into it",
            name = ctx.server_name
        ),
    );
}

pub(super) fn check_init(
    init: &Callback,
    output: Option<&syn::Result<InitOutput>>,
    ctx: &Ctx,
    errors: &mut Errors,
) {
    if let Some(receiver) = init.receiver() {
        errors.spanned(
            receiver,
            "`init` builds the state, so it takes no `self`: write \
             `async fn init(args) -> Result<Self, E>`",
        );
    }
    check_modifiers(init, "init", errors);
    check_params(init, Role::Init, ctx, errors);
    match output {
        None => errors.spanned(
            &init.sig,
            "`init` must return the new state: `-> Self`, or `-> Result<Self, E>` when it can \
             fail",
        ),
        Some(Err(e)) => errors.push(e.clone()),
        Some(Ok(_)) => {}
    }
}

pub(super) fn check_terminate(terminate: &Callback, errors: &mut Errors) {
    const SHAPE: &str = "`async fn terminate(&mut self, reason: &ExitReason)`";
    match terminate.receiver() {
        None => errors.spanned(
            &terminate.sig.ident,
            format_args!("`terminate` runs on the state as the server stops: write {SHAPE}"),
        ),
        Some(receiver) => check_receiver(receiver, "`terminate`", errors),
    }
    check_modifiers(terminate, "terminate", errors);
    for (i, param) in terminate.params().enumerate() {
        match param {
            Param::Context(pt) => errors.spanned(
                pt,
                format_args!(
                    "`terminate` has no context to take: the server is stopping; write {SHAPE}"
                ),
            ),
            Param::Reply(pt) => errors.spanned(
                &pt.ty,
                format_args!(
                    "`terminate` answers no call, so it has no reply token to take: write {SHAPE}"
                ),
            ),
            Param::Message(pt) if i > 0 => errors.spanned(
                pt,
                format_args!("`terminate` takes at most the exit reason: write {SHAPE}"),
            ),
            Param::Message(pt) => check_reason(&pt.ty, errors),
        }
    }
    if let Some(ty) = terminate.output().filter(|t| !is_unit(t)) {
        errors.spanned(
            ty,
            format_args!("`terminate` returns nothing: write {SHAPE}"),
        );
    }
}

/// `terminate`'s argument: the exit reason, lent by the runtime.
fn check_reason(ty: &Type, errors: &mut Errors) {
    let names_reason = |ty: &Type| match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "ExitReason"),
        _ => false,
    };
    match ty {
        Type::Reference(r) if r.mutability.is_none() && names_reason(&r.elem) => {}
        Type::Reference(r) if names_reason(&r.elem) => errors.spanned(
            ty,
            "`terminate` reads the exit reason, it cannot change it: take `reason: &ExitReason`",
        ),
        _ if names_reason(ty) => errors.spanned(
            ty,
            "`terminate` borrows the exit reason, which the runtime keeps to report the exit: \
             take `reason: &ExitReason` (and `reason.clone()` to keep a copy)",
        ),
        _ => errors.spanned(
            ty,
            format_args!(
                "`terminate`'s one argument is the exit reason, a `&ExitReason`, not `{}`: take \
                 `reason: &ExitReason`, or no argument",
                type_name(ty)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::gen_server::validate::tests::errors_of;

    #[test]
    fn a_missing_init_is_reported_at_the_type() {
        let errors = errors_of(quote!(impl S { #[call] fn get(&self) {} }));
        assert_eq!(
            errors,
            [
                "gen_server `S` has no `init`: add `async fn init(args) -> Result<Self, E>` (or \
              `-> Self` when it cannot fail) to this impl block; it builds the state when the \
              server starts. A server has one #[gen_server] impl block: if `S` has another, move \
              these methods into it"
            ]
        );
    }

    #[test]
    fn a_missing_init_is_reported_at_what_was_meant_as_init() {
        for (item, name) in [
            (quote!(impl S { fn int() -> Self { S } }), "int"),
            (
                quote!(impl S { fn on_start(x: u8) -> Self { S } }),
                "on_start",
            ),
            (quote!(impl S { fn new() -> Result<Self, E> { S } }), "new"),
        ] {
            let errors = errors_of(item);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(
                errors[0].contains(&format!("`{name}` looks like it; did you mean `init`?")),
                "{}",
                errors[0]
            );
        }
    }
}
