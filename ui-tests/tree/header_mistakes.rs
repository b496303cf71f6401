use perennial::supervision_tree;

mod support;
use support::*;

// Mistakes in the header of the item form, all reported in one build, and the tree after it
// still read (its mistake too).
supervision_tree! {
    pub struct App<T>(size, url: String, url: String, name: &str, mut count: u32);
    app: supervisor(strategy = one_for_al) { cache: Cache(url.len() as u32) }
}

fn main() {}
