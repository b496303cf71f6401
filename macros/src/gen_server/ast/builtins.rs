//! The names the generated code takes: a handler cannot take them too.

/// The client's own methods, and those of the traits it implements, which an inherent method
/// of the same name would hide: a call or cast handler cannot take these names.
pub(crate) const CLIENT_BUILTINS: &[(&str, &str)] = &[
    ("ping", "its health check"),
    ("with_timeout", "the way to set its call timeout"),
    ("info", "the way to send an info message"),
    ("clone", "from `Clone`"),
    ("fmt", "from `Debug`"),
    (
        "from",
        "from `From`, to make one from a `ServerRef`, `NamedRef` or `Client`",
    ),
    ("into", "from `Into`, to turn it into a `Client`"),
    ("as_ref", "from `AsRef`, to reach its `Client`"),
];

/// The associated function generated on the server type.
pub(crate) const START_CLIENT: &str = "start_client";

/// What `name` is on the generated client, when the client has it of its own.
pub(crate) fn client_builtin(name: &str) -> Option<&'static str> {
    CLIENT_BUILTINS
        .iter()
        .find(|(builtin, _)| *builtin == name)
        .map(|(_, what)| *what)
}
