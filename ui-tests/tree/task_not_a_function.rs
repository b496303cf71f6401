// `task( .. )` takes a function to call at each (re)start: a future or a call made once, here,
// is refused with the form to write.
use perennial::supervision_tree;

mod support;
#[allow(unused_imports)]
use support::*;

fn main() {
    let port = 9100u32;
    let _tree = supervision_tree! {
        app: supervisor {
            a: task(async { metrics_loop().await }),
            b: task(report(port)),
            c: task(metrics_loop()),
            d: task(tokio::spawn(migrate())),
            e: task({ migrate }),
        }
    };
}
