// A server the macro rejects (here, a handler named like the client's own `ping`) is still
// usable as written elsewhere: its tree child's arguments and its `start_client` are checked
// against the `init` the user wrote, so the one mistake gives one error, at `ping`, and
// nothing at the uses (not "expected `()`, found `bool`").
use perennial::{gen_server, supervision_tree};

struct Feature;

#[gen_server]
impl Feature {
    fn init(on: bool, label: String) -> Option<Self> {
        let _ = label;
        on.then_some(Feature)
    }

    #[call]
    fn ping(&self) -> u8 {
        1
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let _client = Feature::start_client(true, "a".to_string()).await?;
    let app = supervision_tree! {
        app: supervisor(strategy = one_for_one) {
            off: Feature(false, "off".to_string()),
        }
    }
    .start()
    .await?;
    app.shutdown().await;
    Ok(())
}

fn main() {
    let _ = run;
}
