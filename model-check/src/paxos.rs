//! Basic Paxos (`protocols::paxos`) as stateright models: the register
//! model (linearizability, agreement, durability, every terminal state
//! decided) and the livelock model.
//!
//! Timers: `Tick` (progress gossip, retransmission, gap filling) and
//! `Resync` are periodic and resend identical messages forever, so they
//! stay unarmed: the model's network loses nothing, and a gap only opens
//! when a proposer dies. `Retry` (the end of a backoff after pre-emption)
//! is armed while the retry's proposal id would stay within
//! [`Bounds::max_epoch`] rounds: that bounds the duel, as the ballot bound
//! does for Multi-Paxos. With backoff off (the livelock model) a pre-empted
//! proposer prepares again at once, and the livelock model's boundary
//! bounds the rounds instead.

use protocols::paxos::Msg;
use protocols::paxos::{
    InjectedBug, Paxos, PaxosDurable, PaxosOptions, Phase as PaxosPhase, Timer,
};
use protocols::{ClusterConfig, NodeId, OutboxOf, Recovered};
use stateright::actor::Network;

use crate::adapter::{ArmTimer, CoreActor, CoreCtor};
use crate::livelock::{self, DuelBounds, DuelModel, Duelist, Phase, Rank, VoteKey};
use crate::model::{self, Bounds, CoreModel};
use crate::register::RegOp;

/// The highest ballot round the safety models let a retry reach.
pub const MAX_ROUND: u32 = 2;

/// The round of the id this node's next prepare would use (see
/// `Paxos::prepare`: one above every promise known in the slot).
fn next_round(core: &Paxos) -> Option<u32> {
    let inst = core.instance()?;
    let promised = core
        .durable()
        .acceptors
        .get(&inst.slot)
        .map_or(inst.seen, |a| a.promised.max(inst.seen));
    Some(promised.round + 1)
}

fn arm<const MAX: u32>(core: &Paxos, timer: &Timer) -> bool {
    match timer {
        Timer::Retry => next_round(core).is_some_and(|r| r <= MAX),
        Timer::Tick | Timer::Resync => false,
    }
}

/// The timer predicate for retries up to round `max_round` (1 to 3).
pub fn arm_timer(max_round: u32) -> ArmTimer<Paxos> {
    match max_round {
        0 | 1 => arm::<1>,
        2 => arm::<2>,
        _ => arm::<3>,
    }
}

/// The main run: 3 servers, a write entering at `n1` and a concurrent
/// read at `n2` (two proposers racing for slot 1), retries up to round 2.
pub fn main_bounds() -> Bounds {
    Bounds {
        servers: 3,
        clients: vec![vec![RegOp::Put('A')], vec![RegOp::Get]],
        max_epoch: MAX_ROUND,
        max_crashes: 0,
        entry: 0,
        max_in_flight: None,
    }
}

/// The crash-restart run: one write, at most one server down at a time,
/// no retries (a restarted proposer forgets its queue; its client would
/// ask again, ours does not).
pub fn crash_bounds() -> Bounds {
    Bounds {
        clients: vec![vec![RegOp::Put('A')]],
        max_epoch: 1,
        max_crashes: 1,
        ..main_bounds()
    }
}

fn new_without_backoff(
    id: NodeId,
    config: ClusterConfig,
    recovered: Recovered<PaxosDurable>,
    out: &mut OutboxOf<Paxos>,
) -> Paxos {
    let options = PaxosOptions {
        backoff: false,
        bug: None,
    };
    Paxos::new_with(id, config, recovered, options, out)
}

fn new_accept_below_promise(
    id: NodeId,
    config: ClusterConfig,
    recovered: Recovered<PaxosDurable>,
    out: &mut OutboxOf<Paxos>,
) -> Paxos {
    let options = PaxosOptions {
        backoff: true,
        bug: Some(InjectedBug::AcceptBelowPromise),
    };
    Paxos::new_with(id, config, recovered, options, out)
}

/// The constructor for a core with `bug` injected (`None`: the real one,
/// with backoff as in every cluster).
pub fn ctor(bug: Option<InjectedBug>) -> CoreCtor<Paxos> {
    match bug {
        None => <Paxos as protocols::Core>::new,
        Some(InjectedBug::AcceptBelowPromise) => new_accept_below_promise,
    }
}

fn members(servers: usize) -> ClusterConfig {
    ClusterConfig::new(1..=servers as NodeId)
}

/// The Paxos register model within `bounds`, optionally with a bug.
pub fn model(bounds: Bounds, bug: Option<InjectedBug>) -> CoreModel<Paxos> {
    let actor =
        CoreActor::new(members(bounds.servers), arm_timer(bounds.max_epoch)).with_ctor(ctor(bug));
    model::build(actor, bounds, Network::new_unordered_nonduplicating([]))
}

/// The livelock model: the same cluster and clients as every protocol's
/// (see [`livelock::duel_bounds`]), backoff off.
pub fn livelock_model(bounds: DuelBounds) -> DuelModel<Paxos> {
    let actor = CoreActor::new(members(bounds.model.servers), arm_timer(bounds.max_round))
        .with_ctor(new_without_backoff);
    livelock::build(actor, bounds, Network::new_unordered_nonduplicating([]))
}

fn rank(id: protocols::paxos::ProposalId) -> Rank {
    (id.round, id.node)
}

impl Duelist for Paxos {
    fn phase(&self) -> Phase {
        match self.instance() {
            Some(inst) => match inst.phase {
                PaxosPhase::Preparing { .. } => Phase::Preparing(rank(inst.id)),
                PaxosPhase::Accepting { .. } => Phase::Accepting(rank(inst.id)),
                PaxosPhase::BackingOff => Phase::Idle,
            },
            None => Phase::Idle,
        }
    }

    /// The highest id promised in any slot, or reported by a refusal.
    fn promised(&self) -> Rank {
        let seen = self.instance().map(|i| i.seen).unwrap_or_default();
        let promised = self
            .durable()
            .acceptors
            .values()
            .map(|a| a.promised)
            .max()
            .unwrap_or_default();
        rank(promised.max(seen))
    }

    fn votes(&self) -> Vec<VoteKey> {
        self.durable()
            .acceptors
            .iter()
            .filter_map(|(slot, a)| {
                let acc = a.accepted.as_ref()?;
                // Identity only: a batch's commands, concatenated (empty
                // for a no-op).
                let value = acc.value.commands().concat();
                Some((u64::from(*slot), rank(acc.id), value))
            })
            .collect()
    }

    fn accept_rank(msg: &Msg) -> Option<Rank> {
        match msg {
            Msg::Accept { id, .. } => Some(rank(*id)),
            _ => None,
        }
    }
}
