// `task( .. )` takes a function: a variable or constant that holds something else (a future made
// once, a number) is refused at it, with the forms to write, whatever the arguments after it.
use perennial::supervision_tree;

mod support;
#[allow(unused_imports)]
use support::*;

const PORT: u16 = 9100;

fn main() {
    let port = 9100u32;
    let future = report(port);
    let _tree = supervision_tree! {
        app: supervisor {
            a: task(future),
            b: task(PORT),
            c: task(port, 5),
        }
    };
}
