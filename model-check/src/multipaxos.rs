//! Multi-Paxos (`protocols::multipaxos`) as a stateright model: three
//! servers running the production core, clients that `Put` once and then
//! `Get`, a non-duplicating unordered network.
//!
//! Timers: only `Election` is armed, and only while the node knows no
//! leader (a looking follower or a candidate). With no clock, an armed
//! timer may fire at any moment, so a looking node may still pre-empt a
//! leader it has not heard from yet (the duel that safety must survive);
//! a node that follows a leader has no reason to suspect it in a model
//! whose network always delivers. `Heartbeat` and `Reforward` resend
//! identical messages forever (an infinite state space on a
//! non-duplicating network) and `CheckQuorum` only matters once
//! heartbeats flow, so they stay unarmed. Leader changes are bounded by
//! `Bounds::max_epoch` on the ballot round (`status().epoch`).

use protocols::multipaxos::{InjectedBug, MpDurable, MultiPaxos, Timer};
use protocols::{ClusterConfig, Core, NodeId, OutboxOf, Recovered};
use stateright::actor::Network;

use crate::adapter::{ArmTimer, CoreActor, CoreCtor};
use crate::model::{self, Bounds, CoreModel};
use crate::register::RegOp;

/// Who may campaign in a model, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Campaigns {
    /// Servers `n1..=n{campaigners}` arm their election timer (1 to 3).
    pub campaigners: u64,
    /// `false`: only while holding a client command (a node with nothing
    /// to propose has no reason to need a leader in a model that never
    /// loses a leader); `true`: whenever they know no leader.
    pub eager: bool,
}

/// `Election` is armed on servers `1..=N` while they know no leader (and,
/// unless `EAGER`, hold a proposal); nothing else ever is.
fn arm<const N: u64, const EAGER: bool>(core: &MultiPaxos, timer: &Timer) -> bool {
    match timer {
        Timer::Election => {
            core.id() <= N
                && core.status().leader.is_none()
                && (EAGER || !core.pending().is_empty())
        }
        Timer::Heartbeat | Timer::CheckQuorum | Timer::Reforward => false,
    }
}

/// The timer predicate for `campaigns`.
pub fn arm_timer(campaigns: Campaigns) -> ArmTimer<MultiPaxos> {
    match (campaigns.campaigners, campaigns.eager) {
        (0 | 1, false) => arm::<1, false>,
        (2, false) => arm::<2, false>,
        (_, false) => arm::<3, false>,
        (0 | 1, true) => arm::<1, true>,
        (2, true) => arm::<2, true>,
        (_, true) => arm::<3, true>,
    }
}

/// Who campaigns in the models below: `n1` and `n2`, each while it holds
/// a client command and knows no leader.
pub const CAMPAIGNS: Campaigns = Campaigns {
    campaigners: 2,
    eager: false,
};

/// The main run: 3 servers, one client writing once, ballot rounds up to 2
/// (a leader may be replaced by a later ballot that must recover its
/// value): 63,751 states. A second command multiplies that by more than
/// fifty (over 3.4 million states, not exhausted in 90 s): one replicated
/// command is about ten independent deliveries (Accept, Accepted, Chosen,
/// Learned and CatchUp to each peer), and two commands interleave them.
pub fn main_bounds() -> Bounds {
    Bounds {
        servers: 3,
        clients: vec![vec![RegOp::Put('A')]],
        max_epoch: 2,
        max_crashes: 0,
        entry: 0,
        max_in_flight: None,
    }
}

/// The crash-restart run: at most one server down at a time, one round
/// (261,068 states; with two rounds, 2,608,516 states in about 30 s, all
/// properties holding: `zoolab-check ... check --crashes --max-epoch 2`).
pub fn crash_bounds() -> Bounds {
    Bounds {
        servers: 3,
        clients: vec![vec![RegOp::Put('A')]],
        max_epoch: 1,
        max_crashes: 1,
        entry: 0,
        max_in_flight: None,
    }
}

/// Linearizability of a read: a write at `n1` and a concurrent read at
/// `n2`, which forwards it to the leader; only `n1` campaigns, one round
/// (1,745,509 states, about 20 s). With `n2` campaigning too, or a second
/// round, the space is too large for a test.
pub fn read_bounds() -> Bounds {
    Bounds {
        clients: vec![vec![RegOp::Put('A')], vec![RegOp::Get]],
        max_epoch: 1,
        ..main_bounds()
    }
}

/// Who campaigns in [`read_bounds`]: `n1` only.
pub const READ_CAMPAIGNS: Campaigns = Campaigns {
    campaigners: 1,
    eager: false,
};

/// The main model with a second writer at `n2`: two campaigners with work,
/// so two leaders can duel over slot 1. Too large to exhaust in a test
/// (over 3.6 million states), it is searched breadth-first for a broken
/// core's counterexample.
pub fn duel_bounds() -> Bounds {
    Bounds {
        clients: vec![vec![RegOp::Put('A')], vec![RegOp::Put('B')]],
        max_epoch: 1,
        ..main_bounds()
    }
}

fn new_accept_below_promise(
    id: NodeId,
    config: ClusterConfig,
    recovered: Recovered<MpDurable>,
    out: &mut OutboxOf<MultiPaxos>,
) -> MultiPaxos {
    MultiPaxos::new_with_bug(
        id,
        config,
        recovered,
        Some(InjectedBug::AcceptBelowPromise),
        out,
    )
}

/// The constructor for a core with `bug` injected (`None`: the real one).
pub fn ctor(bug: Option<InjectedBug>) -> CoreCtor<MultiPaxos> {
    match bug {
        None => MultiPaxos::new,
        Some(InjectedBug::AcceptBelowPromise) => new_accept_below_promise,
    }
}

/// The Multi-Paxos register model within `bounds`, optionally with a bug.
pub fn model(
    bounds: Bounds,
    campaigns: Campaigns,
    bug: Option<InjectedBug>,
) -> CoreModel<MultiPaxos> {
    let members = (1..=bounds.servers as NodeId).collect::<Vec<_>>();
    let actor =
        CoreActor::new(ClusterConfig::new(members), arm_timer(campaigns)).with_ctor(ctor(bug));
    model::build(actor, bounds, Network::new_unordered_nonduplicating([]))
}
