//! Writes the `supervision_tree!` of row 6 (a root of GROUPS supervisors of PER_GROUP servers)
//! into OUT_DIR, so that its size is chosen at build time instead of being 10k lines of source.
//!
//! The default is 10 x 100: the macro's compile time grows faster than linearly with the tree
//! (about 6 s at 1k children in a debug build, several minutes at 10k), and CI compiles this
//! crate. `--features macro-tree-10k` builds the full 100 x 100 tree of the issue.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let big = std::env::var_os("CARGO_FEATURE_MACRO_TREE_10K").is_some();
    let (groups, per_group) = if big { (100, 100) } else { (10, 100) };
    let mut src = String::new();
    let _ = writeln!(src, "/// Supervisors in the macro tree.");
    let _ = writeln!(src, "pub const GROUPS: usize = {groups};");
    let _ = writeln!(src, "/// Servers per supervisor in the macro tree.");
    let _ = writeln!(src, "pub const PER_GROUP: usize = {per_group};");
    let _ = writeln!(src, "supervision_tree! {{");
    let _ = writeln!(
        src,
        "    /// Row 6's tree, declared with `supervision_tree!`."
    );
    let _ = writeln!(src, "    pub struct MacroTree;");
    let _ = writeln!(src, "    root: supervisor {{");
    for g in 0..groups {
        let _ = writeln!(src, "        g{g}: supervisor {{");
        for i in 0..per_group {
            let _ = writeln!(src, "            w{g}_{i}: MWorker {{ health = off }},");
        }
        let _ = writeln!(src, "        }},");
    }
    let _ = writeln!(src, "    }}");
    let _ = writeln!(src, "}}");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    // OUT_DIR is <target>/[<triple>/]<profile dir>/build/<package>-<hash>/out: name the profile
    // in the report (`measure` is the method's: thin LTO, one codegen unit).
    let profile = out
        .ancestors()
        .nth(3)
        .and_then(|p| p.file_name())
        .map_or("unknown".into(), |p| p.to_string_lossy().into_owned());
    println!("cargo::rustc-env=PERENNIAL_BENCH_PROFILE={profile}");
    std::fs::write(out.join("macro_tree.rs"), src).expect("writing the macro tree");
}
