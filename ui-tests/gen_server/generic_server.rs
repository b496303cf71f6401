// Generic servers are refused with a way out.
use perennial::gen_server;

struct Store<T> {
    items: Vec<T>,
}

#[gen_server]
impl<T: Send + 'static> Store<T> {
    fn init() -> Self {
        Store { items: Vec::new() }
    }

    #[call]
    fn len(&self) -> usize {
        self.items.len()
    }
}

struct View<'a> {
    text: &'a str,
}

#[gen_server]
impl<'a> View<'a> {
    fn init() -> Self {
        View { text: "" }
    }
}

struct Counter {
    n: i64,
}

#[gen_server]
impl Counter {
    fn init() -> Self {
        Counter { n: 0 }
    }

    #[call]
    fn get<T: Default>(&self) -> i64 {
        let _ = T::default();
        self.n
    }
}

fn main() {}
