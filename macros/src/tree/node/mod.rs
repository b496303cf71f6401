//! One module per node kind of the tree, each with what it takes from every stage: its parsing
//! (`ParseWith`, dispatched by `parse`'s `NodeKind`), its checks and its expansion (the spec
//! of the child, and its field of the started tree).

pub(crate) mod dynamic;
pub(crate) mod server;
pub(crate) mod supervisor;
pub(crate) mod task;
