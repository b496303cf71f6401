// Messages and replies travel between tasks, so they must own their data.
use std::borrow::Cow;
use std::path::Path;

use perennial::gen_server;

struct Store {
    name: String,
}

#[gen_server]
impl Store {
    fn init(name: &str) -> Self {
        Store {
            name: name.to_owned(),
        }
    }

    #[cast]
    fn rename(&mut self, name: &str) {
        self.name = name.to_owned();
    }

    #[call]
    fn sum(&self, values: &[u64]) -> u64 {
        values.iter().sum()
    }

    #[call]
    fn open(&self, path: &Path) -> bool {
        path.exists()
    }

    #[call]
    fn fill(&self, buf: &mut Vec<u8>) {
        buf.clear();
    }

    #[cast]
    fn maybe(&mut self, name: Option<&str>) {
        let _ = name;
    }

    #[cast]
    fn cow<'a>(&mut self, text: Cow<'a, str>) {
        let _ = text;
    }

    #[call]
    fn name(&self) -> &str {
        &self.name
    }

    #[cast]
    fn run(&mut self, job: impl FnOnce() + Send + 'static) {
        job();
    }

    // 'static borrows own nothing that can dangle: allowed.
    #[call]
    fn greeting(&self, prefix: &'static str) -> &'static str {
        prefix
    }
}

fn main() {}
