//! Names: callbacks are found by theirs (`init`, `terminate`) or by their attribute (handlers),
//! so an unmarked method named like a callback is refused; and the names the generated code
//! takes (the client's, its built-in methods, `start_client`) are not the user's to take.

use syn::Ident;

use super::ctx::{Ctx, last_ident_name};
use crate::errors::Errors;
use crate::gen_server::ast::{Kind, START_CLIENT, Server, client_builtin, is_unit};
use crate::suggest::near_by_edits;

/// The rule for unmarked methods: `init` and `terminate` are found by their names, handlers by
/// their attribute. An unmarked method named like a handler callback (`handle_info`), or like
/// `terminate` when there is none (`on_terminate`, `terminated`, kameo's `on_stop`), was meant
/// to be called by the server and would silently never be: it is refused, with what to write.
pub(super) fn check_unmarked(server: &Server, errors: &mut Errors) {
    for f in &server.unmarked {
        let name = f.ident();
        let given = name.to_string();
        if f.receiver().is_none() {
            continue;
        }
        if let Some((callback, attr)) = handler_callback(&given) {
            let exact = *callback == given;
            errors.spanned(
                name,
                format_args!(
                    "{what}: #[gen_server] finds handlers by their attribute, not by their name; \
                     mark this method `#[{attr}]` (any name works){rest}",
                    what = if exact {
                        format!("`{given}` is not called by the server as it is")
                    } else {
                        format!("`{given}` looks like the `{callback}` callback, which is not found by name")
                    },
                    rest = ", or, if it is a helper, move it to a separate `impl` block",
                ),
            );
            continue;
        }
        if server.terminate.is_none() && terminate_alias(&given) && f.output().is_none_or(is_unit) {
            errors.spanned(
                name,
                format_args!(
                    "`{given}` is not called when the server stops; did you mean `terminate`? \
                     #[gen_server] finds `terminate` by its name: rename `{given}` to \
                     `terminate` (`async fn terminate(&mut self, reason: &ExitReason)`), or, if it \
                     is a helper, move it to a separate `impl` block"
                ),
            );
        }
    }
}

/// The handler callbacks of OTP and of the runtime's `GenServer` trait, and the attribute that
/// marks each in a #[gen_server] block.
const HANDLER_CALLBACKS: &[(&str, &str)] = &[
    ("handle_call", "call"),
    ("handle_cast", "cast"),
    ("handle_info", "info"),
    ("handle_continue", "handle_continue"),
    ("handle_down", "down"),
];

/// The handler callback `name` is, or is a near miss of (`handle_infos`, ractor's `handle`).
fn handler_callback(name: &str) -> Option<(&'static str, &'static str)> {
    if let Some(found) = HANDLER_CALLBACKS.iter().find(|(c, _)| *c == name) {
        return Some(*found);
    }
    if matches!(name, "handle" | "handle_message" | "handle_msg") {
        return Some(HANDLER_CALLBACKS[0]);
    }
    // Compare what follows `handle_`: `handle_cancel` is no near miss of `handle_cast`. A typo
    // in `handle` itself (`handel_cast`, `hande_info`) counts when the rest is a callback's.
    let rest = match name.strip_prefix("handle_") {
        Some(rest) => rest,
        None => {
            let (head, rest) = name.split_once('_')?;
            near_by_edits(head, &["handle"])?;
            rest
        }
    };
    let suffixes: Vec<&str> = HANDLER_CALLBACKS
        .iter()
        .filter_map(|(c, _)| c.strip_prefix("handle_"))
        .collect();
    let near = near_by_edits(rest, &suffixes)?;
    HANDLER_CALLBACKS
        .iter()
        .find(|(c, _)| c.strip_prefix("handle_") == Some(near))
        .copied()
}

/// Near misses of `terminate`, and the words other actor libraries use for it.
fn terminate_alias(name: &str) -> bool {
    const ALIASES: &[&str] = &[
        "on_terminate",
        "on_stop",
        "post_stop",
        "on_shutdown",
        "on_exit",
        "stopped",
        "terminated",
        "terminating",
        "on_terminated",
    ];
    ALIASES.contains(&name) || near_by_edits(name, &["terminate"]).is_some()
}

/// The client named like the server type: the two would clash.
pub(super) fn check_client_name(server: &Server, errors: &mut Errors) {
    let Some(client) = &server.options.client else {
        return;
    };
    if *client == last_ident_name(&server.item.self_ty) {
        errors.spanned(
            client,
            format_args!(
                "the client cannot be named `{client}`: that is the server's own type; choose \
                 another name, such as `{client}Client` (the default, when `client` is left out) \
                 or `{client}Handle`"
            ),
        );
    }
}

/// A method named like the associated function generated on the server type.
pub(super) fn check_fn_name(name: &Ident, ctx: &Ctx, errors: &mut Errors) {
    if name == START_CLIENT {
        errors.spanned(
            name,
            format_args!(
                "`{START_CLIENT}` is generated on `{server}` (it starts a server and returns \
                 its `{client}`); rename this method",
                server = ctx.server_name,
                client = ctx.client_name,
            ),
        );
    }
}

/// A call or cast handler named like a method the generated client has of its own.
pub(super) fn check_client_method_name(name: &Ident, kind: Kind, ctx: &Ctx, errors: &mut Errors) {
    let given = name.to_string();
    if let Some(what) = client_builtin(&given) {
        errors.spanned(
            name,
            format_args!(
                "`{given}` is a built-in method of the generated `{client}` ({what}); rename \
                 this #[{attr}] handler, whose name the client's method takes",
                client = ctx.client_name,
                attr = kind.attr_name(),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::gen_server::validate::tests::errors_of;

    #[test]
    fn client_and_server_names_are_reserved() {
        let errors = errors_of(quote! {
            impl S {
                fn init() -> Self { S }
                #[call] fn ping(&self) {}
                #[cast] fn with_timeout(&self) {}
                #[cast] fn info(&self) {}
                #[info] fn info2(&mut self, m: u8) {}
                fn start_client() {}
                #[call] fn clone(&self) -> Self { todo!() }
            }
        });
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].starts_with("`ping` is a built-in method of the generated `SClient`"));
        assert!(errors[1].starts_with("`with_timeout` is a built-in method"));
        assert!(errors[2].starts_with("`info` is a built-in method"));
        assert!(errors[3].starts_with("`start_client` is generated on `S`"));
        assert_eq!(
            errors[4],
            "`clone` is a built-in method of the generated `SClient` (from `Clone`); rename this \
             #[call] handler, whose name the client's method takes"
        );
    }

    #[test]
    fn unmarked_callbacks_are_refused_and_helpers_are_not() {
        let errors = errors_of(quote! {
            impl S {
                fn init() -> Self { S }
                fn handle_info(&mut self, m: u8) {}
                fn handle_calls(&self) -> u8 { 1 }
                fn handle(&mut self, m: u8) {}
                fn on_terminate(&mut self) {}
                fn handle_cancel(&mut self) {}
                fn terminated_count(&self) -> u8 { 0 }
                fn term(&mut self) {}
                fn handel_cast(&mut self, m: u8) {}
                fn handler_state(&self) -> u8 { 0 }
            }
        });
        let starts: Vec<&str> = errors
            .iter()
            .map(|e| &e[..e.find(' ').unwrap_or(0)])
            .collect();
        assert_eq!(
            starts,
            [
                "`handle_info`",
                "`handle_calls`",
                "`handle`",
                "`on_terminate`",
                "`handel_cast`"
            ],
            "{errors:#?}"
        );
        // With a `terminate`, a near miss of it is a helper.
        let errors = errors_of(quote! {
            impl S {
                fn init() -> Self { S }
                fn terminate(&mut self) {}
                fn terminated(&mut self) {}
            }
        });
        assert_eq!(errors, Vec::<String>::new());
    }
}
