//! The impl block's items sorted into `init`, `terminate`, the marked handlers and the other
//! methods, by name and by helper attribute.

use syn::{ImplItem, ItemImpl};

use super::attrs::take_helper_attrs;
use crate::errors::Errors;
use crate::gen_server::ast::{Callback, Handler, Items, Kind};

/// Sorts the impl's functions and strips the helper attributes from every item.
pub(super) fn sort_items(item: &mut ItemImpl, errors: &mut Errors) -> Items {
    let mut sorted = Items {
        init: None,
        terminate: None,
        handlers: Vec::new(),
        unmarked: Vec::new(),
        fn_names: Vec::new(),
    };
    for (position, impl_item) in item.items.iter_mut().enumerate() {
        let what = match impl_item {
            ImplItem::Fn(_) => None,
            ImplItem::Const(_) => Some("an associated const"),
            ImplItem::Type(_) => Some("an associated type"),
            ImplItem::Macro(_) => Some("a macro invocation"),
            _ => continue,
        };
        let fn_name = match impl_item {
            ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        };
        let attrs = match impl_item {
            ImplItem::Fn(f) => &mut f.attrs,
            ImplItem::Const(c) => &mut c.attrs,
            ImplItem::Type(t) => &mut t.attrs,
            ImplItem::Macro(m) => &mut m.attrs,
            _ => continue,
        };
        let (markers, by_name) = take_helper_attrs(attrs, fn_name.as_deref(), errors);
        if let Some(what) = what {
            for (kind, marker) in markers {
                errors.spanned(
                    marker,
                    format_args!(
                        "#[{}] marks a method that handles a message; it cannot go on {what}",
                        kind.attr_name()
                    ),
                );
            }
            continue;
        }
        let ImplItem::Fn(f) = impl_item else {
            continue;
        };
        sorted.fn_names.push((position, f.sig.ident.clone()));
        let callback = Callback {
            position,
            sig: f.sig.clone(),
            docs: f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .cloned()
                .collect(),
            cfgs: f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("cfg"))
                .cloned()
                .collect(),
        };
        let name = f.sig.ident.to_string();
        let mut markers = markers.into_iter();
        let first = markers.next();
        for (kind, marker) in markers {
            match &first {
                Some((k, _)) if *k == kind => errors.spanned(
                    marker,
                    format_args!("`{name}` is marked #[{}] twice; keep one", kind.attr_name()),
                ),
                Some((k, _)) => errors.spanned(
                    marker,
                    format_args!(
                        "`{name}` is marked both #[{}] and #[{}]; keep one: {}",
                        k.attr_name(),
                        kind.attr_name(),
                        one_of(*k, kind),
                    ),
                ),
                None => {}
            }
        }
        // `#[init] fn setup(..)`: reported where the attribute is taken; the method is taken as
        // the callback it was marked as, so that nothing else is reported about it.
        let name = match by_name {
            Some(callback) if first.is_none() => callback.to_owned(),
            _ => name,
        };
        match (name.as_str(), first) {
            ("init" | "terminate", Some((kind, marker))) => {
                errors.spanned(
                    marker,
                    format_args!(
                        "`{name}` is the server's {name} callback, found by its name; it cannot \
                         also be a #[{}] handler: remove the attribute, or rename the method",
                        kind.attr_name()
                    ),
                );
                // Still the callback, so that it is not also reported missing.
                if name == "init" {
                    sorted.init.get_or_insert(callback);
                } else {
                    sorted.terminate.get_or_insert(callback);
                }
            }
            ("init", None) if sorted.init.is_none() => sorted.init = Some(callback),
            ("terminate", None) if sorted.terminate.is_none() => sorted.terminate = Some(callback),
            (_, Some((kind, marker))) => sorted.handlers.push(Handler {
                kind,
                marker,
                func: callback,
            }),
            (_, None) => sorted.unmarked.push(callback),
        }
    }
    sorted
}

/// How to choose between two kinds of handler.
fn one_of(a: Kind, b: Kind) -> &'static str {
    match (a, b) {
        (Kind::Call, Kind::Cast) | (Kind::Cast, Kind::Call) => {
            "#[call] if the caller waits for a reply, #[cast] if it does not"
        }
        _ => {
            "#[call] and #[cast] handle requests from the client, #[info] the server's other \
             messages, #[handle_continue] the continues it asks for itself, #[down] the news of \
             the processes it monitors"
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::{ToTokens, quote};

    use super::*;
    use crate::gen_server::parse::tests::{parse_errors, parse_ok};

    #[test]
    fn sorts_init_terminate_handlers_and_other_methods() {
        let server = parse_ok(
            quote!(),
            quote! {
                impl Counter {
                    async fn init(start: i64) -> Result<Self, E> { todo!() }
                    #[call] async fn add(&mut self, by: i64) -> i64 { todo!() }
                    /// Docs.
                    #[call] fn get(&self) -> i64 { todo!() }
                    #[cast] fn reset(&mut self, ctx: &mut Context<Self>) {}
                    #[info] fn on_tick(&mut self, tick: Tick) {}
                    #[handle_continue] fn resume(&mut self, step: Step) {}
                    async fn terminate(&mut self, reason: &ExitReason) {}
                    fn helper(&self) {}
                }
            },
        );
        assert!(server.init.is_some());
        assert!(server.terminate.is_some());
        let handlers: Vec<(Kind, String)> = server
            .handlers
            .iter()
            .map(|h| (h.kind, h.func.ident().to_string()))
            .collect();
        assert_eq!(
            handlers,
            [
                (Kind::Call, "add".to_owned()),
                (Kind::Call, "get".to_owned()),
                (Kind::Cast, "reset".to_owned()),
                (Kind::Info, "on_tick".to_owned()),
                (Kind::Continue, "resume".to_owned()),
            ]
        );
        let names: Vec<String> = server.fn_names.iter().map(|(_, n)| n.to_string()).collect();
        assert_eq!(
            names,
            [
                "init",
                "add",
                "get",
                "reset",
                "on_tick",
                "resume",
                "terminate",
                "helper"
            ]
        );
        assert_eq!(server.handlers[1].func.docs.len(), 1);
        assert!(server.handlers[0].func.is_async());
        assert!(!server.handlers[1].func.is_async());
    }

    #[test]
    fn strips_helper_attributes_and_keeps_the_rest() {
        let server = parse_ok(
            quote!(),
            quote! {
                impl Counter {
                    fn init() -> Self { todo!() }
                    #[call] #[inline] #[cfg(test)] fn get(&self) -> i64 { todo!() }
                }
            },
        );
        let emitted = server.item.into_token_stream().to_string();
        assert!(!emitted.contains("call"), "{emitted}");
        assert!(emitted.contains("inline"), "{emitted}");
        assert!(emitted.contains("cfg"), "{emitted}");
        assert_eq!(server.handlers[0].func.cfgs.len(), 1);
    }

    #[test]
    fn context_parameters_are_not_message_fields() {
        let server = parse_ok(
            quote!(),
            quote! {
                impl S {
                    fn init(a: u8, ctx: &mut perennial::Context<Self>, b: u16) -> Self { todo!() }
                }
            },
        );
        let init = server.init.expect("init");
        let fields: Vec<String> = init
            .message_params()
            .map(|pt| pt.pat.to_token_stream().to_string())
            .collect();
        assert_eq!(fields, ["a", "b"]);
        assert_eq!(init.params().count(), 3);
    }

    #[test]
    fn conflicting_and_misplaced_markers() {
        let (errors, _) = parse_errors(
            quote!(),
            quote! {
                impl S {
                    #[call] const X: u8 = 1;
                    #[call] fn init() -> Self { S }
                    #[call] #[cast] fn a(&self) {}
                    #[cast] #[cast] fn b(&self) {}
                    #[call(x)] fn c(&self) {}
                }
            },
        );
        assert_eq!(
            errors,
            [
                "#[call] marks a method that handles a message; it cannot go on an associated \
                 const",
                "`init` is the server's init callback, found by its name; it cannot also be a \
                 #[call] handler: remove the attribute, or rename the method",
                "`a` is marked both #[call] and #[cast]; keep one: #[call] if the caller waits \
                 for a reply, #[cast] if it does not",
                "`b` is marked #[cast] twice; keep one",
                "#[call] takes no arguments; write `#[call]`",
            ]
        );
    }
}
