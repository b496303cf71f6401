//! The names every message of a server uses, worked out once per server.

use syn::Type;

use crate::gen_server::ast::Server;
use crate::text::type_name;

/// Names used in messages.
pub(super) struct Ctx {
    pub(super) server_name: String,
    pub(super) client_name: String,
}

impl Ctx {
    pub(super) fn new(server: &Server) -> Ctx {
        Ctx {
            server_name: type_name(&server.item.self_ty),
            client_name: client_name(server),
        }
    }
}

/// The generated client's name: the option, or `<Type>Client`.
fn client_name(server: &Server) -> String {
    match &server.options.client {
        Some(ident) => ident.to_string(),
        None => format!("{}Client", last_ident_name(&server.item.self_ty)),
    }
}

pub(super) fn last_ident_name(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}
