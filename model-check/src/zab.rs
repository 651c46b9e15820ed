//! Zab (`protocols::zab`) as a stateright model: three servers running the
//! production core, clients that `Put` once and then `Get`, over the
//! model's non-duplicating network.
//!
//! Timers: with a network that never loses a message, the re-send timers
//! (`Notify`, `Resend`, `Heartbeat`, `Reforward`) would only add identical
//! messages forever, so they stay unarmed. `Init` is armed while a server
//! follows or leads without broadcasting yet and its election round is
//! below [`MAX_ROUND`]: it is how a server that settled on a leader that
//! will not have it (FLE without a finalize wait) looks again, and it
//! bounds elections, as `Bounds::max_epoch` bounds epochs. `CheckQuorum`
//! and `LeaderSilent` model a leader or follower giving up on the other;
//! only the broken-core search arms `LeaderSilent` (`CheckQuorum` stays
//! unarmed everywhere).

use protocols::zab::{InjectedBug, Timer, Zab, ZabDurable};
use protocols::{ClusterConfig, Core, NodeId, OutboxOf, Recovered, Role};

use crate::adapter::{ArmTimer, CoreActor, CoreCtor};
use stateright::Expectation;
use stateright::actor::Network;

use crate::model::{self, Bounds, CoreModel, CoreModelState};
use crate::properties;
use crate::register::RegOp;

/// Elections beyond this round are not started (the `Init` timer stays
/// unarmed): rounds, like epochs, are what make the state space infinite.
pub const MAX_ROUND: u32 = 2;

pub const TERMINAL_LEADER_COMMITTED: &str =
    "every terminal state has an established leader and has committed every proposal";
pub const LEADER_ESTABLISHED: &str = "a leader is elected and establishes its epoch";
pub const RESTARTED_AND_REJOINED: &str = "a restarted server is broadcasting again";

/// Which failure detectors a model arms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detectors {
    /// Servers `n1..=n{init_on}` arm `Init` while they follow a leader
    /// that has not synchronized them yet, below round [`MAX_ROUND`].
    pub init_on: u64,
    /// Broadcasting followers arm `LeaderSilent` below round
    /// [`MAX_ROUND`]: how an established leader is given up. (`CheckQuorum`
    /// stays unarmed: a leader giving up matters for progress only, and
    /// only the main model checks progress.)
    pub give_up: bool,
}

fn arm<const INIT_ON: u64, const GIVE_UP: bool>(core: &Zab, timer: &Timer) -> bool {
    let role = core.status().role;
    let below = core.round() < MAX_ROUND;
    match timer {
        Timer::Init => {
            core.id() <= INIT_ON
                && role == Role::Follower
                && !core.is_broadcasting()
                && below
                && (core.status().leader != Some(SERVERS as NodeId) || INIT_ON >= SERVERS)
        }
        Timer::LeaderSilent => GIVE_UP && core.is_broadcasting() && below,
        Timer::Notify
        | Timer::CheckQuorum
        | Timer::Resend
        | Timer::Heartbeat
        | Timer::Reforward => false,
    }
}

/// The timer predicate for `detectors`.
pub fn arm_timer(detectors: Detectors) -> ArmTimer<Zab> {
    match (detectors.init_on, detectors.give_up) {
        (0, false) => arm::<0, false>,
        (1, false) => arm::<1, false>,
        (2, false) => arm::<2, false>,
        (_, false) => arm::<3, false>,
        (0, true) => arm::<0, true>,
        (1, true) => arm::<1, true>,
        (2, true) => arm::<2, true>,
        (_, true) => arm::<3, true>,
    }
}

/// The main run's detectors: only `n1` may give up on a leader that does
/// not answer (see the module documentation).
pub const MAIN_DETECTORS: Detectors = Detectors {
    init_on: 1,
    give_up: false,
};

/// The crash run's detectors: the main run's (a crash of `n3` is what
/// takes a leader away; `LeaderSilent` would multiply the space).
pub const CRASH_DETECTORS: Detectors = MAIN_DETECTORS;

/// How many servers every model runs.
pub const SERVERS: u64 = 3;

/// The main run: 3 servers, one client writing once, epochs up to 2.
pub fn main_bounds() -> Bounds {
    Bounds {
        servers: 3,
        clients: vec![vec![RegOp::Put('A')]],
        max_epoch: 2,
        max_crashes: 0,
        entry: 2,
        max_in_flight: None,
    }
}

/// A broken core's run: a write and then a read, both entering at `n3`
/// and `n1`, with established leaders that may be given up (a leader
/// change is what loses a write committed without a quorum). Too large to
/// exhaust in a test; searched for the first safety violation.
pub fn bug_bounds() -> Bounds {
    Bounds {
        clients: vec![vec![RegOp::Put('A'), RegOp::Get]],
        ..main_bounds()
    }
}

/// The broken core's detectors: no `Init` (a stuck follower does not hide
/// the bug), leader changes through `LeaderSilent`/`CheckQuorum`.
pub const BUG_DETECTORS: Detectors = Detectors {
    init_on: 0,
    give_up: true,
};

/// The safety properties a broken core's search stops at.
pub const SAFETY: [&str; 4] = [
    properties::AGREEMENT,
    properties::PREFIX_CONSISTENCY,
    properties::LINEARIZABLE,
    properties::DURABILITY,
];

/// The crash-restart run: `n3` ([`CRASHER`]) may crash once and restart
/// once ([`MAX_RESTARTS`]), one write entering at `n1`, epochs <= 1, at
/// most 7 messages in flight (the initial state's 6 notifications and the
/// client's request), detectors as in the main run.
///
/// Why the restart bound: stateright's `max_crashes(1)` bounds how many
/// servers are down *at once*, not how often one goes down. A restarted
/// Zab server starts a new election and sends its notification to both
/// peers; on FIFO channels each crash/restart cycle therefore appends
/// another notification to queues that no delivery has to drain first, so
/// `crash n3, recover n3, crash n3, ...` is an infinite chain of new states
/// (found by a search for a state with more than 14 messages in flight:
/// 1,500 alternating crash/recover steps). Counting restarts in a persisted
/// ghost ([`crate::adapter::CoreActor::counting_restarts`]) and bounding the
/// total closes the space, as ZooKeeper's own TLA+ specifications bound
/// crashes with `MaxCrashes`. The in-flight bound only makes it small
/// enough for a test; `--max-in-flight 0` lifts it.
pub fn crash_bounds() -> Bounds {
    Bounds {
        servers: 3,
        clients: vec![vec![RegOp::Put('A')]],
        max_epoch: 1,
        max_crashes: 1,
        entry: 0,
        max_in_flight: Some(7),
    }
}

fn new_commit_without_quorum(
    id: NodeId,
    config: ClusterConfig,
    recovered: Recovered<ZabDurable>,
    out: &mut OutboxOf<Zab>,
) -> Zab {
    Zab::new_with_bug(
        id,
        config,
        recovered,
        Some(InjectedBug::CommitWithoutQuorum),
        out,
    )
}

fn new_accept_stale_epoch(
    id: NodeId,
    config: ClusterConfig,
    recovered: Recovered<ZabDurable>,
    out: &mut OutboxOf<Zab>,
) -> Zab {
    Zab::new_with_bug(
        id,
        config,
        recovered,
        Some(InjectedBug::AcceptStaleEpoch),
        out,
    )
}

/// The constructor for a core with `bug` injected (`None`: the real one).
pub fn ctor(bug: Option<InjectedBug>) -> CoreCtor<Zab> {
    match bug {
        None => Zab::new,
        Some(InjectedBug::CommitWithoutQuorum) => new_commit_without_quorum,
        Some(InjectedBug::AcceptStaleEpoch) => new_accept_stale_epoch,
    }
}

/// The Zab register model within `bounds`, optionally with a bug.
pub fn model(bounds: Bounds, detectors: Detectors, bug: Option<InjectedBug>) -> CoreModel<Zab> {
    let members = (1..=bounds.servers as NodeId).collect::<Vec<_>>();
    let mut actor =
        CoreActor::new(ClusterConfig::new(members), arm_timer(detectors)).with_ctor(ctor(bug));
    if bounds.max_crashes > 0 {
        actor = actor.counting_restarts();
    }
    let crashes = bounds.max_crashes > 0;
    let model = model::build(actor, bounds, Network::new_ordered([]))
        .within_boundary(within_boundary)
        .property(
            Expectation::Always,
            properties::PREFIX_CONSISTENCY,
            properties::prefix_consistency::<Zab>,
        )
        .property(
            Expectation::Always,
            TERMINAL_LEADER_COMMITTED,
            terminal_leader_committed,
        )
        .property(
            Expectation::Sometimes,
            LEADER_ESTABLISHED,
            leader_established,
        );
    if crashes {
        model.property(
            Expectation::Sometimes,
            RESTARTED_AND_REJOINED,
            restarted_and_rejoined,
        )
    } else {
        model
    }
}

/// A server that restarted is up and broadcasting again (it recovered
/// from its storage and was synchronized by a leader).
fn restarted_and_rejoined(m: &CoreModel<Zab>, s: &CoreModelState<Zab>) -> bool {
    model::live_servers(&m.cfg, s)
        .any(|(_, st)| st.stored.restarts > 0 && st.core.is_broadcasting())
}

/// At most this many restarts in all, in a crash model (see
/// [`crash_bounds`]).
pub const MAX_RESTARTS: u32 = 1;

/// The one server a crash model crashes (1-based): the main run's leader
/// whenever `n3` is up, and the server whose crash loses the most.
pub const CRASHER: usize = 3;

/// The generic bounds, at most [`MAX_RESTARTS`] restarts in all, and no
/// server but [`CRASHER`] down.
fn within_boundary(bounds: &Bounds, s: &CoreModelState<Zab>) -> bool {
    let restarts: u32 = (0..bounds.servers)
        .filter_map(|i| model::server(s, i))
        .map(|st| st.stored.restarts)
        .sum();
    let only_crasher = (0..bounds.servers)
        .filter(|&i| i + 1 != CRASHER)
        .all(|i| !s.crashed.get(i).copied().unwrap_or(false));
    restarts <= MAX_RESTARTS && only_crasher && model::within_boundary(bounds, s)
}

/// Whether some live server leads and has established its epoch.
fn has_established_leader(bounds: &Bounds, s: &CoreModelState<Zab>) -> bool {
    model::live_servers(bounds, s)
        .any(|(_, st)| st.core.status().role == Role::Leader && st.core.is_broadcasting())
}

/// Every terminal state has an established leader, every request was
/// answered, and every live server committed all it logged (the sound
/// form of "eventually": `P || has a successor`).
fn terminal_leader_committed(m: &CoreModel<Zab>, s: &CoreModelState<Zab>) -> bool {
    let settled = has_established_leader(&m.cfg, s)
        && properties::all_answered(&m.cfg, s)
        && model::live_servers(&m.cfg, s)
            .filter(|(_, st)| st.core.is_broadcasting())
            .all(|(_, st)| st.core.status().last_committed == st.core.durable().last());
    settled || cut_by_round_bound(&m.cfg, s) || properties::has_successor(m, s)
}

/// Whether the state is terminal only because of [`MAX_ROUND`]: a live
/// server waits, outside broadcast, on an `Init` the core set and the model
/// left unarmed at the bound. Without a finalize wait, FLE can leave a
/// server following a peer that settled elsewhere (its vote crossed a
/// newer one on a FIFO channel); a real server looks again when `Init`
/// fires, as often as it takes, which a bounded model cannot allow. Such
/// states are the edge of the bounded space, not a progress failure.
/// (Every campaigner's `Init` is bounded this way; with fewer campaigners
/// than servers the excuse also covers a non-campaigner's unarmed `Init`.)
fn cut_by_round_bound(bounds: &Bounds, s: &CoreModelState<Zab>) -> bool {
    model::live_servers(bounds, s).any(|(_, st)| {
        st.core.round() >= MAX_ROUND
            && !st.core.is_broadcasting()
            && st.timers.contains(&Timer::Init)
            && !st.armed.contains(&Timer::Init)
    })
}

/// Some server reached broadcast as leader: election and discovery and
/// synchronization can complete.
fn leader_established(m: &CoreModel<Zab>, s: &CoreModelState<Zab>) -> bool {
    has_established_leader(&m.cfg, s)
}
