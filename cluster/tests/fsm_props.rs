//! Property tests of the standby / claim / fence state machine against the in-memory store.
//!
//! Three nodes each run the machine for one global name, on tokio's paused clock, in steps of
//! 100 ms. At each step a node that is not paused does what the real node does: fence when its
//! deadline (last renewal sent + TTL - margin) has passed, renew every TTL/3 unless cut off,
//! rejoin after a loss, and claim when the name is free. Faults are random: cutting a node off
//! the store, pausing it (a GC stall: it does nothing, not even fence), crashing it.
//!
//! Checked at every step: no two running nodes that are not paused; a running node that is
//! not paused still owns the name's key in the store with its token; a target that keeps the
//! highest token it has seen only ever accepts increasing tokens, and rejects a paused
//! holder's writes once its successor has written; the store's history never has two holders
//! at once and its tokens increase. After the faults heal, exactly one node runs.

use std::time::Duration;

use perennial_cluster::fsm::{Action, Input, Machine, Role};
use perennial_cluster::{
    BackendError, ClaimOutcome, FencingToken, LeaseId, MemoryBackend, NameBackend, WatchEvent,
};
use proptest::prelude::*;
use tokio::time::Instant;

const TTL: Duration = Duration::from_millis(2000);
const MARGIN: Duration = Duration::from_millis(400);
const STEP: Duration = Duration::from_millis(100);
const KEY: &str = "names/ledger";

#[derive(Clone, Copy, Debug)]
enum Fault {
    CutOff(usize),
    Reconnect(usize),
    Pause(usize),
    Resume(usize),
    Crash(usize),
    Wait(u8),
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        (0..3usize).prop_map(Fault::CutOff),
        (0..3usize).prop_map(Fault::Reconnect),
        (0..3usize).prop_map(Fault::Pause),
        (0..3usize).prop_map(Fault::Resume),
        (0..3usize).prop_map(Fault::Crash),
        (1..30u8).prop_map(Fault::Wait),
    ]
}

struct Node {
    machine: Machine,
    lease: Option<LeaseId>,
    last_sent: Instant,
    next_renewal: Instant,
    cut_off: bool,
    paused: bool,
    /// Resumed from a pause, its first turn not yet taken: like a process whose threads are
    /// scheduled again but whose timers have not fired yet (the documented overlap).
    waking: bool,
    crashed: bool,
}

impl Node {
    fn running(&self) -> Option<FencingToken> {
        match self.machine.role() {
            Role::Holding { token, .. } if !self.crashed => Some(token),
            _ => None,
        }
    }
}

/// A side-effect target that fences: it refuses a token lower than the highest it has seen.
#[derive(Default)]
struct Target {
    highest: Option<FencingToken>,
    accepted: Vec<FencingToken>,
}

impl Target {
    fn write(&mut self, token: FencingToken) -> bool {
        if self.highest.is_some_and(|h| token < h) {
            return false;
        }
        self.highest = Some(token);
        self.accepted.push(token);
        true
    }
}

async fn step(store: &MemoryBackend, nodes: &mut [Node], target: &mut Target) {
    tokio::time::advance(STEP).await;
    store.tick();
    for i in 0..nodes.len() {
        // Checked after every node's turn: each turn is an instant of the real system.
        check(store, nodes, target).await;
        let node = &mut nodes[i];
        if node.paused || node.crashed {
            continue;
        }
        let now = Instant::now();
        node.waking = false;
        // Fence at the deadline.
        if node.lease.is_some() && now >= node.last_sent + TTL - MARGIN {
            node.lease = None;
            node.machine.on(Input::Lease(None));
        }
        if node.cut_off {
            continue;
        }
        match node.lease {
            Some(lease) if now >= node.next_renewal => {
                node.next_renewal = now + TTL / 3;
                match store.keep_alive(lease).await {
                    Ok(()) => node.last_sent = now,
                    Err(BackendError::LeaseLost(_)) => {
                        node.lease = None;
                        node.machine.on(Input::Lease(None));
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            Some(_) => {}
            None => {
                let granted = store.grant(TTL).await.expect("reachable");
                node.lease = Some(granted.id);
                node.last_sent = now;
                node.next_renewal = now + TTL / 3;
                node.machine.on(Input::Lease(Some(granted.id)));
            }
        }
        let free = store.list(KEY).await.expect("reachable").0.is_empty();
        if free && let Action::Claim(lease) = node.machine.on(Input::NameFree) {
            match store.claim(KEY, Vec::new(), lease).await {
                Ok(ClaimOutcome::Won(token)) => {
                    assert_eq!(
                        node.machine.on(Input::Won { lease, token }),
                        Action::Start(token)
                    );
                }
                Ok(ClaimOutcome::Taken(_)) | Err(BackendError::LeaseLost(_)) => {}
                Err(e) => panic!("{e}"),
            }
        }
    }
    // Every running node writes, paused or not (a paused holder's write lands when it wakes).
    for node in nodes.iter().filter(|n| !n.crashed) {
        if let Some(token) = node.running() {
            let accepted = target.write(token);
            if (node.paused || node.waking) && target.highest.is_some_and(|h| h > token) {
                assert!(!accepted, "the target took a stale holder's write");
            }
        }
    }
    check(store, nodes, target).await;
}

async fn check(store: &MemoryBackend, nodes: &[Node], target: &Target) {
    let awake: Vec<FencingToken> = nodes
        .iter()
        .filter(|n| !n.paused && !n.waking)
        .filter_map(Node::running)
        .collect();
    assert!(awake.len() <= 1, "two awake nodes run the child: {awake:?}");
    if let Some(token) = awake.first() {
        let (records, _) = store.list(KEY).await.expect("reachable");
        assert_eq!(
            records.first().map(|r| r.token()),
            Some(*token),
            "a running node's key is gone or someone else's"
        );
    }
    assert!(
        target.accepted.windows(2).all(|w| w[0] <= w[1]),
        "the target accepted a lower token after a higher one: {:?}",
        target.accepted
    );
    let mut held = false;
    let mut last = 0;
    for event in store.history() {
        match event {
            WatchEvent::Put(r) if r.key == KEY => {
                assert!(!held, "two holders at revision {}", r.create_revision);
                assert!(r.create_revision > last, "tokens must increase");
                held = true;
                last = r.create_revision;
            }
            WatchEvent::Delete { key, .. } if key == KEY => held = false,
            _ => {}
        }
    }
}

fn run(faults: Vec<Fault>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let store = MemoryBackend::new();
        let now = Instant::now();
        let mut nodes: Vec<Node> = (0..3)
            .map(|_| Node {
                machine: Machine::new(),
                lease: None,
                last_sent: now,
                next_renewal: now,
                cut_off: false,
                paused: false,
                waking: false,
                crashed: false,
            })
            .collect();
        let mut target = Target::default();
        for fault in faults {
            match fault {
                Fault::CutOff(i) => nodes[i].cut_off = true,
                Fault::Reconnect(i) => nodes[i].cut_off = false,
                Fault::Pause(i) => nodes[i].paused = true,
                Fault::Resume(i) => {
                    nodes[i].waking = nodes[i].paused;
                    nodes[i].paused = false;
                }
                Fault::Crash(i) => {
                    nodes[i].crashed = true;
                    // The deployment system restarts it: a fresh node, same slot.
                    nodes[i].machine = Machine::new();
                    nodes[i].lease = None;
                    nodes[i].crashed = false;
                }
                Fault::Wait(n) => {
                    for _ in 0..n {
                        step(&store, &mut nodes, &mut target).await;
                    }
                }
            }
            step(&store, &mut nodes, &mut target).await;
        }
        // Heal everything; within a few TTLs exactly one node runs the child.
        for node in &mut nodes {
            node.cut_off = false;
            node.waking = node.paused;
            node.paused = false;
        }
        for _ in 0..(3 * TTL.as_millis() / STEP.as_millis()) {
            step(&store, &mut nodes, &mut target).await;
        }
        let running = nodes.iter().filter_map(Node::running).count();
        assert_eq!(running, 1, "after healing, {running} nodes run the child");
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn at_most_one_awake_holder_and_tokens_fence_stale_ones(
        faults in proptest::collection::vec(fault(), 0..40)
    ) {
        run(faults);
    }
}
