//! The typed AST of a `#[gen_server]` impl block.
//!
//! Parsing only sorts the user's items into these nodes; it keeps the user's own tokens
//! (signatures, types, attributes) so that every later diagnostic can point at them. The facts
//! that both later stages need are read here, once, when the server is built ([`Server::new`]):
//! what `init` returns ([`init`]), the borrows in a type ([`types`]), the names the generated
//! client already takes ([`builtins`]). Whether the tokens make sense is `validate`'s business;
//! neither `validate` nor `expand` imports from the other.

mod builtins;
mod callback;
mod init;
mod types;

use syn::{Ident, ItemImpl, Path, Visibility};

use init::{init_candidate, init_ignores, init_output};

pub(crate) use builtins::{START_CLIENT, client_builtin};
pub(crate) use callback::{Callback, Handler, Kind, Param, param_ident};
pub(crate) use init::InitOutput;
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
    /// What `init` returns, read once from its signature: `None` without an `init` or without
    /// a return type; an error (validation reports it) when `init` cannot return that.
    pub init_output: Option<syn::Result<InitOutput>>,
    /// Whether `init` may decline to start: it returns `Option<Self>`, or a `Result` of one.
    pub init_ignores: bool,
    /// Without an `init`: the method most likely meant as it, as an index into `unmarked`.
    init_candidate: Option<usize>,
}

/// The functions of the impl block, sorted by `parse`.
pub(crate) struct Items {
    pub init: Option<Callback>,
    pub terminate: Option<Callback>,
    pub handlers: Vec<Handler>,
    pub unmarked: Vec<Callback>,
    pub fn_names: Vec<(usize, Ident)>,
}

impl Server {
    /// The server of `item`, with the facts about it read once.
    pub fn new(options: Options, item: ItemImpl, items: Items) -> Server {
        let Items {
            init,
            terminate,
            handlers,
            unmarked,
            fn_names,
        } = items;
        let self_ty = &*item.self_ty;
        let init_output = init
            .as_ref()
            .and_then(Callback::output)
            .map(|ty| init_output(ty, self_ty));
        let init_ignores = init
            .as_ref()
            .and_then(Callback::output)
            .is_some_and(|ty| init_ignores(ty, self_ty));
        let init_candidate = match init {
            Some(_) => None,
            None => init_candidate(&unmarked, self_ty),
        };
        Server {
            options,
            item,
            init,
            terminate,
            handlers,
            unmarked,
            fn_names,
            init_output,
            init_ignores,
            init_candidate,
        }
    }

    /// Without an `init`: the method most likely meant as it (a near miss of the name, or
    /// another library's word for it, else a function without `self` that builds the state).
    pub fn init_candidate(&self) -> Option<&Callback> {
        self.init_candidate.and_then(|i| self.unmarked.get(i))
    }
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
