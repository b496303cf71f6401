#!/bin/sh
# Compile time of supervision_tree! against the same tree written by hand (issue 17).
#
#   benches/compile_time.sh [CHILDREN...]     (default: 10 100 1000)
#
# For each size, writes a throwaway crate (in a temp dir, depending on this workspace's
# `perennial` by path) whose main starts a tree of `#[gen_server]` children in supervisors of at
# most 100, once as `supervision_tree!` and once by hand (`SupervisorSpec` + `ChildSpec`, one
# `.child(..)` per child, the same names and options), and times `cargo check` and a debug
# build of that crate alone (its dependencies are built first, untimed). Not run in CI: a
# 1000-child tree takes a while. Prints a Markdown table.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# A target dir of its own unless one is given (the crate's own build is timed either way).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$WORK/target}"
SIZES=${*:-10 100 1000}

now() { date +%s.%N; }

# write_crate FORM N: the crate's Cargo.toml and src/main.rs for one form and size.
write_crate() {
    form=$1 n=$2 dir="$WORK/tree"
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "tree"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
perennial = { path = "$ROOT" }
tokio = { version = "1", features = ["rt", "macros"] }
TOML
    {
        echo 'use perennial::gen_server;'
        echo 'pub struct W;'
        echo '#[gen_server]'
        echo 'impl W {'
        echo '    fn init() -> Self { W }'
        echo '    #[call]'
        echo '    fn get(&self) -> u32 { 7 }'
        echo '}'
        groups=$(( (n + 99) / 100 ))
        if [ "$form" = macro ]; then
            echo 'perennial::supervision_tree! {'
            echo '    pub struct Tree;'
            echo '    root: supervisor {'
            i=0 g=0
            while [ $g -lt $groups ]; do
                echo "        g$g: supervisor {"
                k=0
                while [ $k -lt 100 ] && [ $i -lt "$n" ]; do
                    echo "            w$i: W { health = off },"
                    i=$((i + 1)) k=$((k + 1))
                done
                echo '        },'
                g=$((g + 1))
            done
            echo '    }'
            echo '}'
            echo '#[tokio::main(flavor = "current_thread")]'
            echo 'async fn main() { Tree::start().await.unwrap().shutdown().await; }'
        elif [ "$form" = hand ]; then
            echo 'use perennial::supervisor::{ChildSpec, SupervisorSpec};'
            echo '#[tokio::main(flavor = "current_thread")]'
            echo 'async fn main() {'
            echo '    let root = SupervisorSpec::new("root")'
            i=0 g=0
            while [ $g -lt $groups ]; do
                echo "        .child(ChildSpec::supervisor(SupervisorSpec::new(\"g$g\")"
                k=0
                while [ $k -lt 100 ] && [ $i -lt "$n" ]; do
                    echo "            .child(ChildSpec::server::<W>(\"w$i\", ()).health(None))"
                    i=$((i + 1)) k=$((k + 1))
                done
                echo '        ))'
                g=$((g + 1))
            done
            echo '        ;'
            echo '    root.start().await.unwrap().shutdown().await;'
            echo '}'
        else
            echo '#[tokio::main(flavor = "current_thread")]'
            echo 'async fn main() {}'
        fi
    } > "$dir/src/main.rs"
}

# timed CMD...: runs cargo CMD in the crate, prints the seconds it took.
timed() {
    t0=$(now)
    (cd "$WORK/tree" && cargo "$@" -q 2>"$WORK/err") || { cat "$WORK/err" >&2; exit 1; }
    t1=$(now)
    awk "BEGIN { printf \"%.2f\", $t1 - $t0 }"
}

echo "building the dependencies once (untimed)..." >&2
write_crate none 0
(cd "$WORK/tree" && cargo check -q && cargo build -q)

echo "| children | form | cargo check (s) | debug build (s) |"
echo "|---|---|---|---|"
for n in $SIZES; do
    for form in macro hand; do
        write_crate "$form" "$n"
        check=$(timed check)
        build=$(timed build)
        echo "| $n | $form | $check | $build |"
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
