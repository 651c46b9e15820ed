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
//! and `LeaderSilent` model a leader or follower giving up on the other.
//! They are armed only in the crash model, where they are needed.

use protocols::zab::{InjectedBug, Timer, Zab, ZabDurable};
use protocols::{ClusterConfig, Core, NodeId, OutboxOf, Recovered, Role};

use crate::adapter::{ArmTimer, CoreActor, CoreCtor};
use crate::model::{self, Bounds, CoreModel};
use crate::register::RegOp;

/// Elections beyond this round are not started (the `Init` timer stays
/// unarmed): rounds, like epochs, are what make the state space infinite.
pub const MAX_ROUND: u32 = 2;

fn arm<const FAILURES: bool>(core: &Zab, timer: &Timer) -> bool {
    let role = core.status().role;
    match timer {
        Timer::Init => role != Role::Looking && !core.is_broadcasting() && core.round() < MAX_ROUND,
        Timer::LeaderSilent | Timer::CheckQuorum => {
            FAILURES && core.is_broadcasting() && core.round() < MAX_ROUND
        }
        Timer::Notify | Timer::Resend | Timer::Heartbeat | Timer::Reforward => false,
    }
}

/// The timer predicate; `failures` also arms the failure detectors.
pub fn arm_timer(failures: bool) -> ArmTimer<Zab> {
    if failures { arm::<true> } else { arm::<false> }
}

/// The main run: 3 servers, one client writing once, epochs up to 2.
pub fn main_bounds() -> Bounds {
    Bounds {
        servers: 3,
        clients: vec![vec![RegOp::Put('A')]],
        max_epoch: 2,
        max_crashes: 0,
    }
}

/// The crash-restart run: at most one server down at a time, one epoch.
pub fn crash_bounds() -> Bounds {
    Bounds {
        servers: 3,
        clients: vec![vec![RegOp::Put('A')]],
        max_epoch: 1,
        max_crashes: 1,
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
pub fn model(bounds: Bounds, bug: Option<InjectedBug>) -> CoreModel<Zab> {
    let members = (1..=bounds.servers as NodeId).collect::<Vec<_>>();
    let failures = bounds.max_crashes > 0;
    let actor =
        CoreActor::new(ClusterConfig::new(members), arm_timer(failures)).with_ctor(ctor(bug));
    model::build(actor, bounds)
}
