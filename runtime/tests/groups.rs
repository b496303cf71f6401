//! Process groups (OTP's `pg`) in a registry: typed membership, never a dead member, cast to
//! all, call one, subscriptions, and groups that supervised children join at every restart.

mod support;

use std::collections::HashSet;
use std::convert::Infallible;

use perennial_runtime::supervisor::{Event, SupervisorSpec};
use perennial_runtime::{CallError, Context, ExitReason, GenServer, ProcessId, Registry};
use perennial_runtime::{Group, GroupChange, GroupError, GroupEvent};
use support::Other;
use support::worker::{Log, WCall, WCast, Worker, WorkerArgs, worker};

/// A server that joins its groups from its own context, and counts the casts it gets.
struct Member {
    casts: u32,
}

#[derive(Clone)]
enum MCast {
    Ping,
    Crash,
}

const MEMBERS: Group<Member> = Group::new("members");
const ALSO: Group<Member> = Group::new("also");

impl GenServer for Member {
    type Args = Registry;
    type Call = ();
    type Reply = u32;
    type Cast = MCast;
    type Info = Infallible;
    type Continue = Infallible;
    type Error = GroupError;

    async fn init(registry: Registry, ctx: &mut Context<Self>) -> Result<Self, GroupError> {
        registry.join(MEMBERS, ctx.myself())?;
        registry.join(ALSO, ctx.myself())?;
        Ok(Member { casts: 0 })
    }

    async fn handle_call(&mut self, _: (), _: &mut Context<Self>) -> u32 {
        self.casts
    }

    async fn handle_cast(&mut self, cast: MCast, _: &mut Context<Self>) {
        match cast {
            MCast::Ping => self.casts += 1,
            MCast::Crash => panic!("member crashed"),
        }
    }
}

fn ids<S: GenServer>(members: &[perennial_runtime::ServerRef<S>]) -> Vec<ProcessId> {
    members.iter().map(|m| m.id()).collect()
}

fn event(change: GroupChange, group: &str, id: ProcessId) -> GroupEvent {
    GroupEvent {
        change,
        group: group.into(),
        id,
    }
}

#[tokio::test(start_paused = true)]
async fn members_join_from_their_context_or_outside_and_joins_count() {
    let registry = Registry::new();
    let a = Member::builder().start(registry.clone()).await.unwrap();
    let b = Member::builder().start(registry.clone()).await.unwrap();
    assert_eq!(ids(&registry.members(MEMBERS)), [a.id(), b.id()]);
    assert_eq!(
        &*registry.groups(),
        [ALSO.name().into(), MEMBERS.name().into()]
    );
    // Joined once more from outside: it takes two leaves to leave.
    registry.join(MEMBERS, &a).unwrap();
    assert!(registry.leave(MEMBERS, &a));
    assert_eq!(registry.members(MEMBERS).len(), 2);
    assert!(registry.leave(MEMBERS, &a));
    assert_eq!(ids(&registry.members(MEMBERS)), [b.id()]);
    assert!(!registry.leave(MEMBERS, &a), "not a member any more");
    // Still in the other group.
    assert_eq!(ids(&registry.members(ALSO)), [a.id(), b.id()]);
}

#[tokio::test(start_paused = true)]
async fn a_member_that_exits_leaves_every_group_at_once() {
    let registry = Registry::new();
    let a = Member::builder().start(registry.clone()).await.unwrap();
    let b = Member::builder().start(registry.clone()).await.unwrap();
    let mut members = registry.group(MEMBERS).subscribe();
    let mut also = registry.group(ALSO).subscribe();
    a.cast(MCast::Crash).unwrap();
    a.wait_exit().await;
    // Listed nowhere from the moment it is dead, before anything else runs.
    assert_eq!(ids(&registry.members(MEMBERS)), [b.id()]);
    assert_eq!(ids(&registry.members(ALSO)), [b.id()]);
    // And a `Left` in each group follows.
    let left = members.next().await.unwrap().unwrap();
    assert_eq!(left, event(GroupChange::Left, "members", a.id()));
    let left = also.next().await.unwrap().unwrap();
    assert_eq!(left, event(GroupChange::Left, "also", a.id()));
    b.stop(ExitReason::Shutdown).await.unwrap();
    assert!(registry.members(MEMBERS).is_empty());
    assert_eq!(
        members.next().await.unwrap().unwrap(),
        event(GroupChange::Left, "members", b.id())
    );
}

#[tokio::test(start_paused = true)]
async fn cast_to_all_and_call_one_in_turn_or_at_random() {
    let registry = Registry::new();
    let mut all = Vec::new();
    for _ in 0..3 {
        all.push(Member::builder().start(registry.clone()).await.unwrap());
    }
    let group = registry.group(MEMBERS);
    assert_eq!(group.cast_all(MCast::Ping), 3);
    assert_eq!(group.cast_all(MCast::Ping), 3);
    for m in &all {
        assert_eq!(m.call(()).await, Ok(2));
    }
    // Round robin goes through the members in join order, again and again.
    for m in &all {
        m.cast(MCast::Ping).unwrap();
    }
    let mut turns = Vec::new();
    for _ in 0..6 {
        turns.push(group.call_one(()).await.unwrap());
    }
    assert_eq!(turns, [3, 3, 3, 3, 3, 3]);
    // At random: always one of them.
    for _ in 0..20 {
        assert_eq!(group.call_random(()).await, Ok(3));
    }
    // A group with nobody in it fails at once.
    for m in &all {
        m.stop(ExitReason::Shutdown).await.unwrap();
    }
    assert_eq!(group.cast_all(MCast::Ping), 0);
    let asked = tokio::time::Instant::now();
    assert_eq!(
        group.call_one(()).await,
        Err(CallError::NotRunning {
            name: Some("members".into())
        })
    );
    assert_eq!(asked.elapsed(), std::time::Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn round_robin_visits_each_member_once_per_round() {
    let registry = Registry::new();
    const POOL: Group<Worker> = Group::new("pool");
    let log = Log::default();
    let names = ["a", "b", "c"];
    for name in names {
        let w = Worker::builder()
            .start(WorkerArgs::new(name, &log))
            .await
            .unwrap();
        registry.join(POOL, &w).unwrap();
    }
    let pool = registry.group(POOL);
    let mut seen = Vec::new();
    for _ in 0..6 {
        seen.push(pool.call_one(WCall::Name).await.unwrap());
    }
    assert_eq!(seen, ["a", "b", "c", "a", "b", "c"]);
    // The same turn for a member taken to be called some other way.
    let next = pool.next_member().unwrap();
    assert_eq!(next.call(WCall::Name).await, Ok("a"));
    assert_eq!(pool.call_one(WCall::Name).await, Ok("b"));
    let any = pool.random_member().unwrap();
    assert!(names.contains(&any.call(WCall::Name).await.unwrap()));
}

#[tokio::test(start_paused = true)]
async fn a_group_holds_one_type_and_never_a_dead_server() {
    let registry = Registry::new();
    const MIXED: Group<Other> = Group::new("members");
    let m = Member::builder().start(registry.clone()).await.unwrap();
    let other = Other::builder().start(()).await.unwrap();
    let err = registry.join(MIXED, &other).unwrap_err();
    assert!(matches!(err, GroupError::WrongType { .. }), "{err:?}");
    assert!(err.to_string().contains("holds"), "{err}");
    other.stop(ExitReason::Shutdown).await.unwrap();
    assert_eq!(
        registry.join(Group::<Other>::new("fresh"), &other),
        Err(GroupError::NotRunning {
            group: "fresh".into()
        })
    );
    // Once the group's members are gone, another type may use the name.
    m.stop(ExitReason::Shutdown).await.unwrap();
    let other = Other::builder().start(()).await.unwrap();
    registry.join(MIXED, &other).unwrap();
    assert_eq!(ids(&registry.members(MIXED)), [other.id()]);
}

#[tokio::test(start_paused = true)]
async fn supervised_children_join_their_groups_at_every_restart_through_a_crash_storm() {
    const POOL: Group<Worker> = Group::new("pool");
    let log = Log::default();
    let names = ["w0", "w1", "w2", "w3", "w4"];
    let mut spec = SupervisorSpec::new("sup").intensity(1000, std::time::Duration::from_secs(1));
    for name in names {
        spec = spec.child(worker(&WorkerArgs::new(name, &log)).groups(["pool", "all"]));
    }
    let sup = spec.start().await.unwrap();
    let registry = sup.registry().clone();
    let mut joins = registry.group(POOL).subscribe();
    let mut events = sup.subscribe();
    assert_eq!(registry.members(POOL).len(), 5);
    for round in 0..200usize {
        let victim = names[(round * 7) % names.len()];
        registry
            .lookup::<Worker>(victim)
            .unwrap()
            .cast(WCast::Panic)
            .unwrap();
        // While it is down, and after it is back: every listed member is alive.
        loop {
            let members = registry.members(POOL);
            assert!(members.iter().all(|m| m.is_alive()), "round {round}");
            assert!(members.len() <= 5);
            let event = events.next().await.unwrap();
            if matches!(event, Event::Restarted { .. }) {
                break;
            }
        }
        let members = registry.members(POOL);
        assert_eq!(members.len(), 5, "round {round}");
        let current: HashSet<_> = names
            .iter()
            .map(|n| registry.lookup::<Worker>(n).unwrap().id())
            .collect();
        assert_eq!(ids(&members).into_iter().collect::<HashSet<_>>(), current);
        assert_eq!(
            registry.members(Group::<Worker>::new("all")).len(),
            5,
            "round {round}"
        );
    }
    // Every crash was a Left, every restart a Joined, in that order per member.
    let mut lefts = 0;
    let mut joined = 0;
    while let Some(event) = joins.try_next() {
        match event.unwrap().change {
            GroupChange::Left => lefts += 1,
            GroupChange::Joined => joined += 1,
        }
    }
    assert_eq!((lefts, joined), (200, 200));
    sup.shutdown().await;
    assert!(registry.members(POOL).is_empty());
}
