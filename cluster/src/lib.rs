//! perennial beyond one machine, step 1: membership, global names with fencing tokens, and
//! singletons (`scope = global` children), on etcd.
//!
//! perennial builds no cluster protocol of its own. A consistent store — etcd's v3 API —
//! holds membership and global names, behind the [`NameBackend`] trait ([`EtcdBackend`]; the
//! in-memory [`MemoryBackend`] for tests). The deployment system (systemd, Kubernetes)
//! restarts node processes; this crate makes sure a global child runs on at most one of them.
//!
//! - **Membership.** Each node holds a lease (TTL [`DEFAULT_TTL`], configurable) renewed every
//!   TTL/3, each renewal with its own deadline and a re-dial after a failure, and a node key
//!   `perennial/<cluster>/nodes/<node>` under it. One watch of the cluster's prefix feeds a
//!   local cache: [`Cluster::members`], and [`ClusterEvent::NodeUp`] / [`ClusterEvent::NodeDown`].
//! - **Global names.** A claim is one transaction, "create `perennial/<cluster>/names/<name>`
//!   if absent", under the node's lease. The key's creation revision is the name's
//!   [`FencingToken`]: strictly greater for every later holder. It is in the [`Claim`] a
//!   global child is started with, so the child can pass it to the targets of its side
//!   effects. A release deletes the key only if it still has the claim's token. Lookups
//!   ([`Cluster::lookup`]) read the local cache, fed by the watch started at the revision of
//!   its initial read, so it misses no change.
//! - **Singletons.** A [`GlobalChild`] of a [`GlobalTree`] runs on the node holding its name.
//!   The other nodes stand by; when the name disappears (released, or its holder's lease
//!   expired) they race to claim it and the winner starts the child with the new, higher
//!   token. The child's supervisor, restart type and intensity apply on the node holding it.
//! - **Fencing.** A node that cannot renew its lease stops its global children when the lease
//!   *could* expire minus a margin ([`ClusterConfig::with_fence_margin`], default TTL/5,
//!   counted from the last renewal *sent*, so it is early by the renewal's round trip), with
//!   the exit reason [`Fenced`] (not restarted, so not counted in the restart intensity), and
//!   goes back to standby under a new lease once the store answers again.
//!
//! ```
//! use std::time::Duration;
//! use perennial_cluster::{Cluster, ClusterConfig, GlobalChild, GlobalTree, MemoryBackend};
//! use perennial_runtime::supervisor::SupervisorSpec;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // In production: Cluster::connect(["http://10.0.0.1:2379", ...], config).
//! let store = MemoryBackend::new();
//! let config = |node| ClusterConfig::new("shop", node).ttl(Duration::from_secs(3));
//! let a = Cluster::join(store.clone(), config("a")).await?;
//! let b = Cluster::join(store.clone(), config("b")).await?;
//! let ledger = || GlobalChild::task("ledger", |claim| {
//!     let token = claim.token; // send it with every write
//!     async move { let _ = token; std::future::pending::<()>().await }
//! });
//! let on_a = GlobalTree::new(SupervisorSpec::new("app")).global(ledger()).start(&a).await?;
//! let first = on_a.wait_holding("ledger").await;
//! let on_b = GlobalTree::new(SupervisorSpec::new("app")).global(ledger()).start(&b).await?;
//! on_a.shutdown().await; // releases the name: b takes over at once
//! let second = on_b.wait_holding("ledger").await;
//! assert!(second > first);
//! on_b.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # What does not hold
//!
//! - **Exactly-once.** A global child runs *at most once at a time as far as each node can
//!   know*, not exactly once: a crash mid-work is restarted on another node, which may redo
//!   part of it, and between a holder's death and its lease's expiry (up to one TTL) nobody
//!   runs it.
//! - **Paused holders.** A node paused (a long GC or allocator stall, `SIGSTOP`, a VM
//!   migration) for longer than the fence margin cannot fence itself in time: when it resumes,
//!   its child may run for a moment alongside its successor. Only fencing at the target — the
//!   target refusing any write whose token is lower than the highest it has seen — prevents
//!   the damage. Pass [`Claim::token`] along.
//! - **Availability without quorum.** With no etcd quorum reachable, no node can renew: every
//!   holder fences and nothing is claimed until a quorum answers again. Consistency is chosen
//!   over availability.
//! - **Clock rate.** Fencing assumes the node's monotonic clock does not run slower than the
//!   etcd leader's by more than the margin over one TTL.
//! - A global child stops through its supervisor's shutdown mode: keep its shutdown time
//!   below the fence margin, or it may still be stopping when the lease expires.
//!
//! Step 2 (remote calls over NATS) adds a `Transport` trait beside [`NameBackend`].

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod backend;
mod cluster;
mod codec;
mod etcd;
pub mod fsm;
mod memory;
mod memory_transport;
mod nats;
mod remote;
mod singleton;
pub mod transport;
pub mod tree;

pub use backend::{
    BackendError, ClaimOutcome, FencingToken, Lease, LeaseId, NameBackend, Record, WatchEvent,
    WatchReceiver,
};
pub use cluster::{
    Claim, Cluster, ClusterConfig, ClusterError, ClusterEvent, DEFAULT_MAX_MESSAGE, DEFAULT_TTL,
    GlobalName, LeaseState,
};
pub use codec::CodecError;
pub use etcd::{DEFAULT_CONNECT_TIMEOUT, EtcdBackend};
pub use memory::MemoryBackend;
pub use memory_transport::MemoryTransport;
pub use nats::{DEFAULT_NATS_CONNECT_TIMEOUT, NatsTransport};
pub use remote::{RemoteError, RemoteMessage, RemoteServer};
/// The serde this crate speaks, for `#[gen_server(remote)]`'s derives (reached through the
/// `perennial` facade). Not public API.
#[doc(hidden)]
pub use serde as __serde;
pub use singleton::{Fenced, GlobalChild, GlobalTree, RunningTree};
pub use transport::{Headers, Incoming, Reply, Subscription, Transport, TransportError, header};
pub use tree::{ClusterTree, ClusterTreeSpec};
