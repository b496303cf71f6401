//! A snapshot of a supervision tree that renders as an indented text tree.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::supervisor::{ChildInfo, ChildKind, ChildState, SupervisorError, SupervisorHandle};

/// A supervisor and everything under it, at one moment. `Display` renders it as a tree:
///
/// ```text
/// app (supervisor)
/// ├── cache (gen_server) running #12, restarts 1, health ok
/// ├── metrics (task) running #13, restarts 0
/// └── db (supervisor) running #14, restarts 0
///     ├── pool (gen_server) running #15, restarts 0, health 1 missed
///     └── writer (gen_server) restarting, restarts 4, health ok
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The supervisor's name.
    pub name: Arc<str>,
    /// Its children, in start order.
    pub children: Vec<SnapshotNode>,
}

/// One child in a [`Snapshot`].
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotNode {
    /// The child as its supervisor sees it.
    pub info: ChildInfo,
    /// For a running nested supervisor, its own snapshot.
    pub nested: Option<Snapshot>,
}

impl Snapshot {
    /// Finds a node by child name anywhere in the tree.
    ///
    /// ```
    /// use perennial_runtime::supervisor::{ChildKind, ChildSpec, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = ChildSpec::task("pool", std::future::pending::<()>);
    /// let db = SupervisorSpec::new("db").child(pool);
    /// let app = SupervisorSpec::new("app").child(ChildSpec::supervisor(db)).start().await?;
    /// let snapshot = app.snapshot().await?;
    /// let pool = snapshot.find("pool").ok_or("no pool")?; // found in `db`
    /// assert_eq!(pool.info.kind, ChildKind::Task);
    /// assert!(snapshot.find("nope").is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn find(&self, name: &str) -> Option<&SnapshotNode> {
        self.children.iter().find_map(|node| {
            if &*node.info.name == name {
                Some(node)
            } else {
                node.nested.as_ref().and_then(|n| n.find(name))
            }
        })
    }
}

impl SupervisorHandle {
    /// A snapshot of the supervisor and everything under it.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use perennial_runtime::{Context, GenServer};
    /// # struct Counter(u32);
    /// # impl GenServer for Counter {
    /// #     type Args = u32; type Call = (); type Reply = u32; type Cast = u32; type Info = u32;
    /// #     type Continue = Infallible; type Error = Infallible;
    /// #     async fn init(n: u32, _: &mut Context<Self>) -> Result<Self, Infallible> {
    /// #         Ok(Counter(n))
    /// #     }
    /// #     async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 { self.0 }
    /// #     async fn handle_cast(&mut self, n: u32, _: &mut Context<Self>) { self.0 += n }
    /// #     async fn handle_info(&mut self, n: u32, _: &mut Context<Self>) { self.0 = n }
    /// # }
    /// use perennial_runtime::supervisor::{ChildSpec, ChildState, SupervisorSpec};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let db = SupervisorSpec::new("db").child(ChildSpec::server::<Counter>("pool", 0));
    /// let app = SupervisorSpec::new("app")
    ///     .child(ChildSpec::supervisor(db))
    ///     .start()
    ///     .await?;
    /// let snapshot = app.snapshot().await?;
    /// let pool = snapshot.find("pool").ok_or("no pool")?; // found in the nested supervisor
    /// assert!(matches!(pool.info.state, ChildState::Running(_)));
    /// assert!(snapshot.to_string().contains("pool (gen_server) running"));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn snapshot(&self) -> Result<Snapshot, SupervisorError> {
        take(self).await
    }
}

/// The snapshot of `handle`'s supervisor, and of its nested supervisors in turn.
fn take(
    handle: &SupervisorHandle,
) -> Pin<Box<dyn Future<Output = Result<Snapshot, SupervisorError>> + Send + '_>> {
    Box::pin(async move {
        let mut children = Vec::new();
        for (info, nested) in handle.snapshot_children().await? {
            // A nested supervisor that stops meanwhile shows without its children.
            let nested = match nested {
                Some(h) => take(&h).await.ok(),
                None => None,
            };
            children.push(SnapshotNode { info, nested });
        }
        Ok(Snapshot {
            name: handle.name().into(),
            children,
        })
    })
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} (supervisor)", self.name)?;
        render_children(f, &self.children, "")
    }
}

fn render_children(
    f: &mut fmt::Formatter<'_>,
    nodes: &[SnapshotNode],
    indent: &str,
) -> fmt::Result {
    for (i, node) in nodes.iter().enumerate() {
        let last = i + 1 == nodes.len();
        let (branch, next_indent) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        let info = &node.info;
        write!(
            f,
            "{indent}{branch}{} ({}) {}, restarts {}",
            info.name, info.kind, info.state, info.restarts
        )?;
        if let Some(h) = &info.health {
            match (info.state, h.consecutive_failures) {
                (ChildState::Running(_), 0) => write!(f, ", health ok")?,
                (ChildState::Running(_), n) => write!(f, ", health {n} missed")?,
                _ => {}
            }
        }
        writeln!(f)?;
        if let Some(nested) = &node.nested {
            render_children(f, &nested.children, &format!("{indent}{next_indent}"))?;
        } else if info.kind == ChildKind::Supervisor && matches!(info.state, ChildState::Running(_))
        {
            writeln!(f, "{indent}{next_indent}(not reachable)")?;
        }
    }
    Ok(())
}
