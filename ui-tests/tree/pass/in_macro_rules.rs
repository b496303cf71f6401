// `supervision_tree!` called from a `macro_rules!` with types, expressions and a duration
// passed as fragments: names and locals still resolve.
use perennial::supervision_tree;

#[path = "../support/mod.rs"]
mod support;
use support::*;

macro_rules! cached {
    ($name:ident, $server:ty, $size:expr, $within:literal) => {{
        let size: u32 = $size;
        supervision_tree! {
            app: supervisor(within = $within) {
                $name: Cache(size),
                jobs: dynamic_supervisor<$server>,
            }
        }
    }};
}

macro_rules! app_type {
    ($vis:vis $name:ident, $size:ty) => {
        supervision_tree! {
            $vis struct $name(size: $size);
            app: supervisor { cache: Cache(size) }
        }
    };
}

app_type!(pub Wrapped, u32);

fn main() {
    let _spec = cached!(cache, Job, 1024, 5s);
    let _wrapped = Wrapped::spec(5);
}
