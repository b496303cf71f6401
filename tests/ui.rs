//! Compile-time diagnostics of the macros, checked with trybuild against reviewed `.stderr`
//! files. Regenerate with `TRYBUILD=overwrite cargo test --test ui`, then review the diff.
//!
//! Each macro has its own folder: `ui-tests/<macro>/*.rs` must fail to compile with the
//! `.stderr` beside them; `ui-tests/<macro>/pass/*.rs` must compile.

#[test]
fn gen_server() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/gen_server/*.rs");
    t.pass("ui-tests/gen_server/pass/*.rs");
}

#[test]
fn supervision_tree() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/tree/*.rs");
    t.pass("ui-tests/tree/pass/*.rs");
}

/// `scope = global` and `#[gen_server(remote)]` without `perennial`'s `cluster` feature: one
/// error, at `global` or `remote`, naming the feature. (With the feature on, the same code
/// compiles: `tests/tree_cluster.rs`, `tests/remote.rs`.)
#[cfg(not(feature = "cluster"))]
#[test]
fn cluster_feature() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/cluster_feature/*.rs");
}

/// `#[gen_server(remote)]` with the `cluster` feature: messages that are not serde-serialisable
/// are errors at the user's types. (Run by `.ci/run` with `--features cluster`.)
#[cfg(feature = "cluster")]
#[test]
fn remote_gen_server() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/remote/*.rs");
}
