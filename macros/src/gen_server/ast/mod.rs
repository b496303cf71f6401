//! The typed AST of a `#[gen_server]` impl block.
//!
//! Parsing only sorts the user's items into these nodes; it keeps the user's own tokens
//! (signatures, types, attributes) so that every later diagnostic can point at them. Whether
//! those tokens make sense is `validate`'s business.

mod builtins;
mod callback;
mod types;

use syn::{Ident, ItemImpl, Path, Visibility};

pub(crate) use builtins::{START_CLIENT, client_builtin};
pub(crate) use callback::{Callback, Handler, Kind, Param, param_ident};
pub(crate) use types::{
    Borrow, ContextShape, ReplyShape, context_shape, find_borrow, is_unit, reply_shape,
};

/// A parsed `#[gen_server(...)] impl Type { ... }`.
pub(crate) struct Server {
    pub options: Options,
    /// The user's impl block with the helper attributes (`#[call]`, ...) removed. It is emitted
    /// as written, whatever else happens.
    pub item: ItemImpl,
    /// `fn init`, recognised by its name.
    pub init: Option<Callback>,
    /// `fn terminate`, recognised by its name.
    pub terminate: Option<Callback>,
    /// The marked handlers, in the order they were written.
    pub handlers: Vec<Handler>,
    /// The other functions (helpers, or callbacks that were misnamed or left unmarked), in the
    /// order they were written.
    pub unmarked: Vec<Callback>,
    /// Every function of the impl with its position, handlers or not, for the reserved-name
    /// check.
    pub fn_names: Vec<(usize, Ident)>,
}

/// The options of the attribute itself: `#[gen_server(vis = pub(crate), client = Name)]`.
#[derive(Default)]
pub(crate) struct Options {
    /// Visibility of the generated client and of `start_client`; `pub` by default.
    pub vis: Option<Visibility>,
    /// Name of the generated client; `<Type>Client` by default.
    pub client: Option<Ident>,
    /// Path of the `perennial` crate, for a renamed dependency; `::perennial` by default.
    pub krate: Option<Path>,
    /// `remote`: the messages derive serde, so other nodes can call the server (perennial's
    /// `cluster` feature). The flag's token, to point at.
    pub remote: Option<Ident>,
}
