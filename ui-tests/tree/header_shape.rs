use perennial::supervision_tree;

mod support;
use support::*;

supervision_tree! {
    pub enum App;
    app: supervisor { cache: Cache(1024) }
}

supervision_tree! {
    pub struct Other { size: u32 }
    other: supervisor { cache: Cache(1024) }
}

supervision_tree! {
    pub struct Third(size: u32)
    third: supervisor { cache: Cache(size) }
}

supervision_tree! {
    pub struct Fourth(size: u32);
}

fn main() {}
