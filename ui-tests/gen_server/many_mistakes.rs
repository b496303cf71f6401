// Several independent mistakes in one impl are all reported in one build, and the impl block
// is still emitted, with stand-ins for the client: the code below that uses the server and its
// client reports no error of its own, except that a block without `init` gets no stand-ins (it
// may be a second block of a server whose stand-ins would clash), so the use of `start_client`
// below is reported too.
use perennial::gen_server;

struct Counter {
    n: i64,
}

#[gen_server(viz = pub)]
impl Counter {
    #[call]
    fn ping(&self) -> i64 {
        self.n
    }

    #[cast]
    fn add(&mut self, by: i64) -> i64 {
        self.n += by;
        self.n
    }

    #[call]
    fn label(&self, text: &str) -> String {
        format!("{text}: {}", self.n)
    }

    #[calll]
    fn get(&self) -> i64 {
        self.n
    }

    fn doubled(&self) -> i64 {
        self.n * 2
    }
}

async fn use_client() -> Result<(), Box<dyn std::error::Error>> {
    let counter: CounterClient = Counter::start_client().await?;
    counter.add(1)?;
    let _label: String = counter.label("n").await?;
    counter.ping().await?;
    Ok(())
}

fn main() {
    let counter = Counter { n: 21 };
    assert_eq!(counter.doubled(), 42);
    let _ = use_client();
}
