//! Nested supervisors sharing one registry: every name in the tree is unique and resolvable
//! from anywhere, typed; a subtree restarts on its own, and the names follow the new servers.
//!
//! Run it with `cargo run --example nested`.

use perennial::prelude::*;
use perennial::supervisor::Event;
use perennial::{gen_server, supervision_tree};

/// Knows the price of things.
struct Prices;

#[gen_server]
impl Prices {
    async fn init() -> Self {
        Prices
    }

    #[call]
    fn price(&self, item: String) -> u32 {
        item.len() as u32 * 100
    }
}

/// Takes orders; looks prices up through the registry, by a typed key.
struct Orders {
    registry: Registry,
    total: u32,
}

#[gen_server]
impl Orders {
    async fn init(registry: Registry) -> Self {
        Orders { registry, total: 0 }
    }

    /// Finds `prices` in another branch of the tree by its typed key: a misspelt name would not
    /// compile.
    #[call]
    async fn order(&mut self, item: String) -> Result<u32, CallError> {
        let prices = PricesClient::from(self.registry.get(Shop::PRICES));
        self.total += prices.price(item).await?;
        Ok(self.total)
    }

    #[cast]
    fn crash(&mut self) {
        panic!("orders crashed");
    }
}

supervision_tree! {
    /// A shop with two branches under one root, sharing one registry.
    pub struct Shop(registry: Registry);
    shop: supervisor(strategy = one_for_one) {
        catalog: supervisor {
            prices: Prices,
        },
        sales: supervisor(strategy = one_for_all) {
            orders: Orders(registry.clone()),
        },
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Logs to stderr, in colour only on a terminal; `RUST_LOG=debug` (or `perennial=debug`,
    // ..) shows more, `RUST_LOG=warn` less.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .without_time()
        .init();
    // Panics perennial catches are logged as exit reasons; keep them off stderr (and only them).
    perennial::panics::quiet_caught_panics();
    run().await
}

/// The example itself (the test suite runs it too).
pub async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // One registry for the whole tree, handed to the children that look names up.
    let registry = Registry::new();
    let shop = Shop::start_in(&registry, registry.clone()).await?;
    println!("names in the tree: {:?}", registry.names());
    println!(
        "order a book: total {:?}",
        shop.sales.orders.order("book".into()).await?
    );

    let mut events = shop.subscribe();
    shop.sales.orders.crash()?;
    let restarted = events
        .wait_for(|e| matches!(e, Event::Restarted { .. }))
        .await
        .ok_or("the tree ended")?;
    println!("{restarted} (under `{}`)", restarted.supervisor());
    let found = registry.lookup::<Orders>("orders")?;
    println!("the registry now holds the new `orders`: {}", found.id());
    println!(
        "order a pen: total {:?}",
        shop.sales.orders.order("pen".into()).await?
    );

    // A typed lookup of the wrong type says what the name holds.
    if let Err(e) = registry.lookup::<Orders>("prices") {
        println!("lookup::<Orders>(\"prices\"): {e}");
    }
    println!("{}", shop.snapshot().await?);
    shop.shutdown().await;
    Ok(())
}
