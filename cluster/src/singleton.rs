//! Global children (`scope = global`): children of a local supervisor that run on at most one
//! node of the cluster at a time.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use perennial_runtime::supervisor::{ChildSpec, SupervisorHandle, SupervisorSpec};
use perennial_runtime::{ExitReason, GenServer, IntoExitReason, Registry};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::backend::{FencingToken, NameBackend};
use crate::cluster::{Claim, Cluster, ClusterError, ClusterEvent, Inner};
use crate::fsm::{Action, Input, Machine};
use crate::remote::{Handler, RemoteServer, Serving};

/// The exit reason of a global child stopped because its node's lease may have expired: an
/// `ExitReason::Error` wrapping this, so the child's `terminate` hook and the supervisor's
/// `Exited` event can tell it apart.
///
/// The supervisor does not restart the child (the cluster layer stopped it through
/// `terminate_child_with`), so a fence is not counted in its restart intensity.
///
/// ```
/// use perennial_cluster::{Fenced, FencingToken};
/// use perennial_runtime::ExitReason;
///
/// let reason = ExitReason::error(Fenced { name: "ledger".into(), token: FencingToken(7) });
/// assert!(Fenced::is(&reason));
/// assert!(!Fenced::is(&ExitReason::Shutdown));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fenced {
    /// The global name.
    pub name: String,
    /// The token the child ran with.
    pub token: FencingToken,
}

impl Fenced {
    /// `true` when `reason` is a fence.
    pub fn is(reason: &ExitReason) -> bool {
        matches!(reason, ExitReason::Error(e) if e.downcast_ref::<Fenced>().is_some())
    }
}

impl fmt::Display for Fenced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fenced: this node's lease may have expired, so it stopped global child `{}` \
             (token {}); another node may hold the name now",
            self.name, self.token
        )
    }
}

impl std::error::Error for Fenced {}

type MakeSpec = dyn Fn(&Claim) -> ChildSpec + Send + Sync;
type MakeHandler = dyn Fn(&Registry, &str, usize) -> Handler + Send + Sync;

/// A child that runs on at most one node of the cluster (`scope = global`): the node that
/// holds its global name starts it under its local supervisor, with the name's
/// [`Claim`] (and so its fencing token) in hand.
///
/// ```
/// use perennial_cluster::GlobalChild;
///
/// let scheduler = GlobalChild::task("scheduler", |claim| {
///     let token = claim.token;
///     async move {
///         // ... pass `token` with every side effect ...
///         let _ = token;
///     }
/// });
/// assert_eq!(scheduler.name(), "scheduler");
/// ```
#[derive(Clone)]
pub struct GlobalChild {
    name: String,
    kind: String,
    make: Arc<MakeSpec>,
    export: Option<Arc<MakeHandler>>,
}

impl fmt::Debug for GlobalChild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GlobalChild")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("exported", &self.export.is_some())
            .finish()
    }
}

impl GlobalChild {
    /// A global gen_server; `args` makes its init arguments from the claim.
    pub fn server<S: GenServer>(
        name: impl Into<String>,
        args: impl Fn(&Claim) -> S::Args + Send + Sync + 'static,
    ) -> Self {
        let name = name.into();
        let child = name.clone();
        let args = Arc::new(args);
        Self::from_spec(name, std::any::type_name::<S>(), move |claim| {
            let args = args.clone();
            let claim = claim.clone();
            ChildSpec::server_with::<S>(child.clone(), move || args(&claim))
        })
    }

    /// A global gen_server that other nodes can call ([`Cluster::remote`]): the node holding
    /// its name serves `<prefix>.<cluster>.<name>` on the cluster's transport while it runs
    /// the child (see [`export`](Self::export)).
    pub fn exported<S: RemoteServer>(
        name: impl Into<String>,
        args: impl Fn(&Claim) -> S::Args + Send + Sync + 'static,
    ) -> Self {
        Self::server::<S>(name, args).export::<S>()
    }

    /// Serves this child to other nodes as the server `S` (its type, which must be the one
    /// its spec starts): the node that claims the name subscribes its subject (and the NATS
    /// server confirms it) before it claims, answers the requests carrying its fencing token,
    /// and unsubscribes when it stops or fences the child. Requests for an older or newer
    /// token are answered `stale` without running, so callers follow the name.
    pub fn export<S: RemoteServer>(mut self) -> Self {
        self.kind = std::any::type_name::<S>().to_owned();
        self.export = Some(Arc::new(|registry: &Registry, name: &str, max: usize| {
            crate::remote::handler::<S>(registry, name, max)
        }));
        self
    }

    /// Whether other nodes can call this child.
    pub fn is_exported(&self) -> bool {
        self.export.is_some()
    }

    /// A global task; `run` makes each incarnation from the claim.
    pub fn task<F, Fut>(name: impl Into<String>, run: F) -> Self
    where
        F: Fn(&Claim) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: IntoExitReason,
    {
        let name = name.into();
        let child = name.clone();
        let run = Arc::new(run);
        Self::from_spec(name, "task", move |claim| {
            let run = run.clone();
            let claim = claim.clone();
            ChildSpec::task(child.clone(), move || run(&claim))
        })
    }

    /// Any child: `make` builds its spec (named `name`, with its restart type, shutdown and
    /// health options) from the claim; `kind` is what the name is registered as, checked
    /// against the other nodes'.
    pub fn from_spec(
        name: impl Into<String>,
        kind: impl Into<String>,
        make: impl Fn(&Claim) -> ChildSpec + Send + Sync + 'static,
    ) -> Self {
        GlobalChild {
            name: name.into(),
            kind: kind.into(),
            make: Arc::new(make),
            export: None,
        }
    }

    /// The global name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A local supervisor with global children: the builder of a node's tree in a cluster.
///
/// The local children start with the supervisor; each global child waits in standby until
/// this node claims its name, then is added to the supervisor (after the local children) and
/// runs under its restart type and intensity there.
///
/// ```
/// use std::time::Duration;
/// use perennial_cluster::{Cluster, ClusterConfig, GlobalChild, GlobalTree, MemoryBackend};
/// use perennial_runtime::supervisor::SupervisorSpec;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let node = Cluster::join(MemoryBackend::new(), ClusterConfig::new("shop", "a")).await?;
/// let tree = GlobalTree::new(SupervisorSpec::new("app"))
///     .global(GlobalChild::task("scheduler", |_| std::future::pending::<()>()))
///     .start(&node)
///     .await?;
/// let token = tree.wait_holding("scheduler").await;
/// assert_eq!(node.lookup("scheduler").map(|n| n.token), Some(token));
/// tree.shutdown().await;
/// node.leave().await;
/// # Ok(())
/// # }
/// ```
pub struct GlobalTree {
    spec: SupervisorSpec,
    globals: Vec<GlobalChild>,
}

impl GlobalTree {
    /// A tree whose local part is `spec`.
    pub fn new(spec: SupervisorSpec) -> Self {
        GlobalTree {
            spec,
            globals: Vec::new(),
        }
    }

    /// Adds a global child.
    pub fn global(mut self, child: GlobalChild) -> Self {
        self.globals.push(child);
        self
    }

    /// Starts the local supervisor (with a new registry) and a standby for each global child.
    pub async fn start<B: NameBackend>(
        self,
        cluster: &Cluster<B>,
    ) -> Result<RunningTree, ClusterError> {
        self.start_in(cluster, &Registry::new()).await
    }

    /// [`start`](Self::start), registering names in `registry`.
    pub async fn start_in<B: NameBackend>(
        self,
        cluster: &Cluster<B>,
        registry: &Registry,
    ) -> Result<RunningTree, ClusterError> {
        let mut seen = std::collections::HashSet::new();
        for child in &self.globals {
            if child.is_exported() && cluster.inner.config.transport().is_none() {
                return Err(ClusterError::NoTransport);
            }
            if !seen.insert(child.name.as_str())
                || child.name.contains('/')
                || child.name.is_empty()
            {
                return Err(ClusterError::InvalidChild(format!(
                    "global child `{}`: names must be unique, non-empty and without `/`",
                    child.name
                )));
            }
        }
        let supervisor = self
            .spec
            .start_in(registry)
            .await
            .map_err(|e| ClusterError::Supervisor(e.to_string()))?;
        let holding = Arc::new(Mutex::new(HashMap::new()));
        let (held_tx, _) = watch::channel(0u64);
        let held_tx = Arc::new(held_tx);
        let (stop, _) = watch::channel(false);
        let mut drivers = Vec::new();
        for child in self.globals {
            drivers.push(tokio::spawn(drive(
                cluster.inner.clone(),
                supervisor.clone(),
                registry.clone(),
                child,
                holding.clone(),
                held_tx.clone(),
                stop.subscribe(),
            )));
        }
        Ok(RunningTree {
            supervisor,
            holding,
            held: held_tx,
            stop,
            drivers: Mutex::new(drivers),
        })
    }
}

/// A started [`GlobalTree`].
pub struct RunningTree {
    supervisor: SupervisorHandle,
    holding: Arc<Mutex<HashMap<String, FencingToken>>>,
    held: Arc<watch::Sender<u64>>,
    stop: watch::Sender<bool>,
    drivers: Mutex<Vec<JoinHandle<()>>>,
}

impl fmt::Debug for RunningTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningTree")
            .field("supervisor", &self.supervisor)
            .finish()
    }
}

impl RunningTree {
    /// The local supervisor.
    pub fn supervisor(&self) -> &SupervisorHandle {
        &self.supervisor
    }

    /// The token of a global child this node runs now, if it does.
    pub fn holding(&self, name: &str) -> Option<FencingToken> {
        self.holding
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .copied()
    }

    /// Waits until this node runs the global child `name`; returns its token.
    pub async fn wait_holding(&self, name: &str) -> FencingToken {
        let mut changes = self.held.subscribe();
        loop {
            if let Some(token) = self.holding(name) {
                return token;
            }
            if changes.changed().await.is_err() {
                // The tree is gone: nothing will ever hold it here.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Stops the global children (releasing their names, so a standby takes over at once),
    /// then the supervisor.
    pub async fn shutdown(&self) -> ExitReason {
        self.stop.send_replace(true);
        let drivers =
            std::mem::take(&mut *self.drivers.lock().unwrap_or_else(PoisonError::into_inner));
        for driver in drivers {
            let _ = driver.await;
        }
        self.supervisor.shutdown().await
    }
}

/// One global child on this node: standby, claim, run, fence, standby again.
async fn drive<B: NameBackend>(
    inner: Arc<Inner<B>>,
    supervisor: SupervisorHandle,
    registry: Registry,
    child: GlobalChild,
    holding: Arc<Mutex<HashMap<String, FencingToken>>>,
    held: Arc<watch::Sender<u64>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut machine = Machine::new();
    let mut lease_rx = inner.lease.clone();
    let mut changes = inner.changes.subscribe();
    let mut cluster_stop = inner.stop.subscribe();
    let retry = inner.config.renew_every() / 4;
    let mut claim: Option<Claim> = None;
    // The served subject while this node claims or holds the name (exported children).
    let mut serving: Option<Serving> = None;
    let subject = crate::transport::subject(
        inner.config.subject_prefix(),
        inner.config.cluster_name(),
        &child.name,
    );
    let set_holding = |token: Option<FencingToken>| {
        let mut map = holding.lock().unwrap_or_else(PoisonError::into_inner);
        match token {
            Some(t) => map.insert(child.name.clone(), t),
            None => map.remove(&child.name),
        };
        drop(map);
        held.send_modify(|n| *n += 1);
    };
    loop {
        // What the lease is now.
        let lease = lease_rx.borrow_and_update().lease();
        if let Action::Fence(token) = machine.on(Input::Lease(lease)) {
            // Shown as not holding from the moment the fence starts (the safe side).
            set_holding(None);
            if let Some(serving) = serving.take() {
                serving.stop();
            }
            fence(&inner, &supervisor, &child, token).await;
            claim = None;
        }
        // Is the name free?
        let free = !inner.read_cache().names.contains_key(&child.name);
        changes.borrow_and_update();
        if free && let Action::Claim(lease) = machine.on(Input::NameFree) {
            // An exported child's subject is served before the name is announced, so whoever
            // sees the name finds a responder (requests are `stale` until the claim is won).
            if let (Some(export), Some(transport), None) =
                (&child.export, inner.config.transport(), &serving)
            {
                let max = inner.config.max_message().min(transport.max_payload());
                let handler = export(&registry, &child.name, max);
                match Serving::start(transport.clone(), subject.clone(), handler).await {
                    Ok(s) => serving = Some(s),
                    Err(e) => {
                        tracing::warn!(name = %child.name, %subject, error = %e, "cannot serve a global child's subject; retrying before claiming");
                        sleep_or_stop(&mut stop, retry).await;
                        continue;
                    }
                }
            }
            match inner.claim(&child.name, &child.kind).await {
                Ok(won) => {
                    let token = won.token;
                    if let Action::Start(_) = machine.on(Input::Won { lease, token }) {
                        let spec = (child.make)(&won);
                        if spec.name() != child.name {
                            tracing::error!(name = %child.name, spec = %spec.name(), "a global child's spec must carry its global name");
                        }
                        match supervisor.start_child(spec).await {
                            Ok(()) => {
                                if let Some(serving) = &serving {
                                    serving.hold(token);
                                }
                                set_holding(Some(token));
                                inner.emit(ClusterEvent::Acquired {
                                    name: child.name.clone(),
                                    token,
                                });
                                claim = Some(won);
                            }
                            Err(e) => {
                                tracing::error!(name = %child.name, error = %e, "a claimed global child failed to start; releasing its name");
                                if let Some(serving) = serving.take() {
                                    serving.stop();
                                }
                                let _ = supervisor.delete_child(&child.name).await;
                                let _ = inner
                                    .backend
                                    .release(&inner.name_key(&child.name), token)
                                    .await;
                                machine = Machine::new();
                                machine.on(Input::Lease(lease_rx.borrow().lease()));
                                sleep_or_stop(&mut stop, retry * 4).await;
                            }
                        }
                    } else {
                        if let Some(serving) = serving.take() {
                            serving.stop();
                        }
                        // Won under a lease we have abandoned: give the name back.
                        let _ = inner
                            .backend
                            .release(&inner.name_key(&child.name), token)
                            .await;
                    }
                    continue;
                }
                Err(ClusterError::TypeMismatch {
                    name,
                    held_as,
                    wanted,
                    holder,
                }) => {
                    if let Some(serving) = serving.take() {
                        serving.stop();
                    }
                    inner.emit(ClusterEvent::TypeMismatch {
                        name,
                        held_as,
                        wanted,
                        holder,
                    });
                }
                // The cache lags the store: wait until it shows the holder (or the name frees).
                Err(ClusterError::NameTaken { .. }) => {
                    if let Some(serving) = serving.take() {
                        serving.stop();
                    }
                }
                Err(e) => {
                    if let Some(serving) = serving.take() {
                        serving.stop();
                    }
                    tracing::warn!(name = %child.name, error = %e, "claiming a global name failed; retrying");
                    sleep_or_stop(&mut stop, retry).await;
                    continue;
                }
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            _ = cluster_stop.wait_for(|s| *s) => break,
            r = lease_rx.changed() => if r.is_err() { break },
            r = changes.changed() => if r.is_err() { break },
        }
    }
    // An orderly stop: stop serving and the child, then give the name back.
    if let Some(serving) = serving.take() {
        serving.stop();
    }
    if let Some(claim) = claim
        && matches!(machine.role(), crate::fsm::Role::Holding { .. })
    {
        let _ = supervisor.terminate_child(&child.name).await;
        let _ = supervisor.delete_child(&child.name).await;
        set_holding(None);
        if let Ok(Ok(true)) = tokio::time::timeout(
            inner.config.renew_deadline(),
            inner
                .backend
                .release(&inner.name_key(&child.name), claim.token),
        )
        .await
        {
            inner.forget(&child.name, claim.token);
            inner.emit(ClusterEvent::Released {
                name: child.name.clone(),
                token: claim.token,
            });
        }
    }
}

async fn fence<B: NameBackend>(
    inner: &Inner<B>,
    supervisor: &SupervisorHandle,
    child: &GlobalChild,
    token: FencingToken,
) {
    let reason = ExitReason::error(Fenced {
        name: child.name.clone(),
        token,
    });
    if let Err(e) = supervisor.terminate_child_with(&child.name, reason).await {
        tracing::error!(name = %child.name, error = %e, "stopping a fenced global child failed");
    }
    let _ = supervisor.delete_child(&child.name).await;
    inner.emit(ClusterEvent::Fenced {
        name: child.name.clone(),
        token,
    });
}

async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, d: std::time::Duration) {
    tokio::select! {
        _ = stop.wait_for(|s| *s) => {}
        _ = tokio::time::sleep(d) => {}
    }
}
