//! Zab, ZooKeeper's atomic broadcast, as a sans-IO [`Core`].
//!
//! # The algorithm, phase by phase
//!
//! Zab = Junqueira, Reed, Serafini, *Zab: High-performance broadcast for
//! primary-backup systems* (DSN 2011); `Zab.tla` = ZooKeeper's TLA+ spec of
//! it; FLE = ZooKeeper's `FastLeaderElection.java`.
//!
//! - **Fast leader election** (`election.rs`; Zab's phase 0): a LOOKING
//!   server votes for itself, `(currentEpoch, last zxid, id)`, and tells
//!   every peer. On a peer's vote in the same election round it adopts the
//!   vote if better ([`Vote`]'s order: epoch, then zxid, then id) and tells
//!   every peer again; a higher round resets its tally. It settles the
//!   moment a quorum's votes equal its own: LEADING if the vote names it,
//!   else FOLLOWING. FOLLOWING and LEADING servers answer a LOOKING peer
//!   with their vote and state, so a newcomer follows the established
//!   leader once a quorum of such answers agree and the leader itself said
//!   LEADING (FLE's `outofelection` and `checkLeader`). FLE's finalize wait
//!   is left out: settling at once is what makes the seed's example (server
//!   3 leads the moment it starts) hold exactly, and safety never rested on
//!   election (discovery below guarantees it).
//! - **Discovery** (`leader.rs`, `follower.rs`; phase 1): a follower sends
//!   CEPOCH(acceptedEpoch). With a quorum (itself included) the leader picks
//!   `e` = 1 + the largest accepted epoch reported, persists it as its
//!   accepted epoch and sends NEWEPOCH(e). A follower accepts `e` only if
//!   it is above its own accepted epoch (persisted, then ACKEPOCH with its
//!   `(currentEpoch, last zxid)`), acks without counting if equal, and
//!   goes back to LOOKING if lower. A leader that sees a follower's history
//!   more recent than its own gives up (ZooKeeper's "follower is ahead");
//!   with a quorum of counting acks it persists `currentEpoch = e`: its
//!   history, which holds every committed proposal, is the initial history.
//! - **Synchronization** (`sync.rs`; phase 2): for each acked follower the
//!   leader sends NEWLEADER with the way from the follower's history to its
//!   own: DIFF (the proposals it lacks), TRUNC (drop proposals after the
//!   last one both hold, then a diff), or — if the follower is behind what
//!   the leader compacted — `SendSnapshot` first, after which the follower
//!   acks the epoch again from its new position. The follower persists the
//!   history and `currentEpoch = e`, then ACKLD. With a quorum of ACKLDs the
//!   leader commits its initial history and sends COMMITLD.
//! - **Broadcast** (`broadcast.rs`; phase 3): the leader assigns `zxid =
//!   e << 32 | counter`, persists and sends PROPOSE to every synced
//!   follower, many in flight; a follower persists and ACKs a proposal only
//!   if it is the next one. Zab assumes FIFO channels; where a channel
//!   reorders, a follower keeps (a bounded number of) proposals that came
//!   ahead of a gap until it fills, and where it loses, the leader sends
//!   again, at a heartbeat, what a follower stopped acknowledging.
//!   An ACK covers every earlier proposal, so the leader keeps per follower
//!   how far it acked and commits, in zxid order, up to the largest zxid a
//!   quorum holds; COMMIT and every PING carry that point.
//! - **Failure detection** (the ensemble's timers): a leader that heard
//!   from no quorum for `sync_limit` ticks, a follower that heard nothing
//!   from its leader for `sync_limit`, and anyone not broadcasting
//!   `init_limit` ticks after election all go back to LOOKING.
//! - **Writes** (`follower.rs`): a follower forwards them to its leader
//!   once broadcasting, and forwards them again if not seen committed after
//!   a while (the channel may lose them; contract rule 3 allows the
//!   duplicate); with no leader they are held (up to [`MAX_PENDING`]) or
//!   rejected with `NotLeader`; when the leader is lost, those already sent
//!   are handed back `Abandoned`, as ZooKeeper drops a dead leader's
//!   outstanding requests.
//! - **Lost and late messages**: a follower not yet broadcasting sends its
//!   phase's message again (CEPOCH, ACKEPOCH, ACKLD) on the `Resend` timer;
//!   the leader answers duplicates idempotently, and ignores a late copy of
//!   a CEPOCH sent before the learner accepted its epoch (a learner that
//!   really reconnects reports the epoch already accepted).
//! - **Compaction** (`sync.rs`): `compact(z)` forgets the history up to the
//!   host's snapshot, durably. A learner whose history ends before that
//!   point gets `SendSnapshot` instead of a DIFF (during sync, or at a
//!   heartbeat if it stopped acknowledging below it); `snapshot_installed`
//!   moves its history past the snapshot and hands back writes whose fate
//!   the snapshot hides.
//! - **Restart** (`new_with_bug`): a server comes back LOOKING with its
//!   history and epochs; history up to what the host already applied is
//!   forgotten, since a snapshot installed just before the crash may have
//!   made it stale.
//! - **Checking** (`invariants.rs`): Zab.tla's invariants as a checker the
//!   simulator (and a model checker) feed with what servers broadcast and
//!   deliver.
//!
//! Roles change only in `become_looking`, `become_following` and
//! `become_leading`; messages are dispatched by role in `step_looking`,
//! `step_follower` and `step_leader`.

mod broadcast;
mod durable;
mod election;
mod follower;
pub mod invariants;
mod leader;
mod messages;
mod roles;
mod sync;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use durable::{Record, ZabDurable};
pub use messages::{Msg, PeerState, Sync, Timer, Vote};
use roles::{
    Election, FollowerPhase, FollowerState, LeaderPhase, LeaderState, Peer, PeerPhase, RoleState,
};

use crate::contract::{Action, Command, Core, OutboxOf, Recovered};
use crate::rng::SplitMix64;
use crate::types::{ClusterConfig, NodeId, Role, Status, Ticks, Zxid};

/// How many writes a server holds while it knows no broadcasting leader
/// (and keeps while waiting to see them committed); beyond it, it rejects.
pub const MAX_PENDING: usize = 1024;

/// How many proposals a follower keeps that arrived ahead of a missing
/// one; beyond that it drops them and waits for the leader to send again.
pub const MAX_AHEAD: usize = 128;

/// How many proposals a leader sends again to a lagging follower at one
/// heartbeat.
pub const MAX_RESEND_BATCH: usize = 64;

/// A deliberate bug, for showing that the simulator's and the model
/// checker's checks catch a broken core. Set only by the constructor, so it
/// survives a restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum InjectedBug {
    /// The leader commits a proposal as soon as it logged it, without
    /// waiting for a quorum of ACKs.
    CommitWithoutQuorum,
    /// A follower accepts (and counts towards a quorum) a NEWEPOCH that is
    /// not above the epoch it already accepted.
    AcceptStaleEpoch,
}

type Out = OutboxOf<Zab>;

/// One Zab server.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Zab {
    id: NodeId,
    config: ClusterConfig,
    bug: Option<InjectedBug>,
    /// Exactly what this server persisted, folded (every change goes
    /// through [`Zab::persist`]).
    durable: ZabDurable,
    /// The last zxid delivered to the host.
    committed: Zxid,
    /// FLE's `logicalclock`: the election round.
    round: u32,
    /// The vote this server holds: its proposal while LOOKING, the leader
    /// it settled on otherwise.
    vote: Vote,
    role: RoleState,
    /// Writes proposed here that wait for a broadcasting leader.
    held: Vec<Command>,
    /// Writes proposed here and sent to the leader (or proposed by this
    /// server as leader), not yet seen committed; `true` once a `Reforward`
    /// period went by since it was sent.
    outstanding: Vec<(Command, bool)>,
    rng: SplitMix64,
    /// The notification re-send interval, drawn once at start.
    notify_after: Ticks,
}

impl Zab {
    /// Builds server `id` from what it persisted, with an optional injected
    /// bug. [`Core::new`] calls it with `None`. A server always starts
    /// LOOKING, as ZooKeeper's does.
    pub fn new_with_bug(
        id: NodeId,
        config: ClusterConfig,
        recovered: Recovered<ZabDurable>,
        bug: Option<InjectedBug>,
        out: &mut Out,
    ) -> Zab {
        let mut rng = SplitMix64::new(config.seed ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let base = config.heartbeat.max(1).saturating_mul(2);
        let notify_after = base + rng.between(0, base);
        let committed = recovered.applied.max(recovered.durable.compacted);
        let mut core = Zab {
            id,
            config,
            bug,
            durable: recovered.durable,
            committed,
            round: 0,
            vote: Vote::default(),
            role: RoleState::Looking(Election {
                received: BTreeMap::new(),
                settled: BTreeMap::new(),
            }),
            held: Vec::new(),
            outstanding: Vec::new(),
            rng,
            notify_after,
        };
        // The host's state machine holds everything up to `applied`; if it
        // installed a snapshot and crashed before we persisted that, the
        // history up to there may hold proposals that lost: forget it.
        if committed > core.durable.compacted {
            core.persist(Record::Compact(committed), out);
        }
        core.become_looking(out);
        core
    }

    /// What this server persisted, folded.
    pub fn durable(&self) -> &ZabDurable {
        &self.durable
    }

    /// The vote this server holds (its proposal while LOOKING).
    pub fn vote(&self) -> Vote {
        self.vote
    }

    /// The election round (FLE's `logicalclock`).
    pub fn round(&self) -> u32 {
        self.round
    }

    /// Whether this server is in the broadcast phase (a leader that
    /// established its epoch, or a follower that got COMMITLD).
    pub fn is_broadcasting(&self) -> bool {
        match &self.role {
            RoleState::Leading(l) => l.phase == LeaderPhase::Broadcast,
            RoleState::Following(f) => f.phase == FollowerPhase::Broadcast,
            RoleState::Looking(_) => false,
        }
    }

    /// While leading: the epoch being established (0 until discovery
    /// picks it) and whether discovery is over, i.e. a quorum acknowledged
    /// NEWEPOCH. Read-only (the model checker's livelock view).
    pub fn leader_epoch(&self) -> Option<(u32, bool)> {
        match &self.role {
            RoleState::Leading(l) => Some((
                l.epoch,
                matches!(l.phase, LeaderPhase::AwaitAckLd | LeaderPhase::Broadcast),
            )),
            _ => None,
        }
    }

    /// Writes proposed here that are held or outstanding.
    pub fn pending(&self) -> impl Iterator<Item = &Command> {
        self.held
            .iter()
            .chain(self.outstanding.iter().map(|(c, _)| c))
    }

    /// Changes the durable state and asks the host to persist the change,
    /// in that order, so memory and disk never disagree.
    fn persist(&mut self, record: Record, out: &mut Out) {
        use crate::contract::Durable;
        self.durable.apply(&record);
        out.persist(record);
    }

    fn peers(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.config
            .members
            .iter()
            .copied()
            .filter(|&m| m != self.id)
    }

    fn broadcast(&self, msg: &Msg, out: &mut Out) {
        for peer in self.peers() {
            out.send(peer, msg.clone());
        }
    }

    fn leader(&self) -> Option<NodeId> {
        match &self.role {
            RoleState::Looking(_) => None,
            RoleState::Following(f) => Some(f.leader),
            RoleState::Leading(_) => Some(self.id),
        }
    }

    fn own_vote(&self) -> Vote {
        Vote {
            epoch: self.durable.current_epoch,
            zxid: self.durable.last(),
            leader: self.id,
        }
    }

    fn peer_state(&self) -> PeerState {
        match self.role {
            RoleState::Looking(_) => PeerState::Looking,
            RoleState::Following(_) => PeerState::Following,
            RoleState::Leading(_) => PeerState::Leading,
        }
    }

    fn notification(&self) -> Msg {
        Msg::Notification {
            vote: self.vote,
            round: self.round,
            state: self.peer_state(),
        }
    }

    fn cancel_role_timers(&self, out: &mut Out) {
        match &self.role {
            RoleState::Looking(_) => out.cancel_timer(Timer::Notify),
            RoleState::Following(f) => {
                out.cancel_timer(Timer::Init);
                out.cancel_timer(Timer::Resend);
                if f.phase == FollowerPhase::Broadcast {
                    out.cancel_timer(Timer::LeaderSilent);
                }
            }
            RoleState::Leading(l) => {
                if l.phase == LeaderPhase::Broadcast {
                    out.cancel_timer(Timer::Heartbeat);
                    out.cancel_timer(Timer::CheckQuorum);
                } else {
                    out.cancel_timer(Timer::Init);
                }
            }
        }
    }

    // ---- role changes: the only places `self.role` is assigned ----

    /// Starts a new election round, voting for itself (FLE's
    /// `lookForLeader`). Writes sent to the lost leader are handed back.
    fn become_looking(&mut self, out: &mut Out) {
        if !matches!(self.role, RoleState::Looking(_)) {
            self.cancel_role_timers(out);
        }
        self.abandon_outstanding(out);
        self.round = self.round.saturating_add(1);
        self.vote = self.own_vote();
        self.role = RoleState::Looking(Election {
            received: BTreeMap::from([(self.id, self.vote)]),
            settled: BTreeMap::new(),
        });
        out.push(Action::StatusChanged(self.status()));
        self.broadcast(&self.notification(), out);
        out.set_timer(Timer::Notify, self.notify_after);
        // A single-server ensemble is its own quorum.
        self.check_election(out);
    }

    /// Settles on following `leader` and starts discovery with it.
    fn become_following(&mut self, leader: NodeId, out: &mut Out) {
        self.cancel_role_timers(out);
        self.role = RoleState::Following(FollowerState {
            leader,
            phase: FollowerPhase::Discovery,
            fresh: false,
            ahead: BTreeMap::new(),
        });
        out.push(Action::StatusChanged(self.status()));
        out.set_timer(Timer::Init, self.config.init_limit.max(1));
        self.send_cepoch(out);
    }

    /// Settles on leading and starts discovery.
    fn become_leading(&mut self, out: &mut Out) {
        self.cancel_role_timers(out);
        self.role = RoleState::Leading(LeaderState {
            phase: LeaderPhase::Discovery,
            epoch: 0,
            peers: BTreeMap::new(),
            queued: Vec::new(),
            heard: BTreeSet::new(),
        });
        out.push(Action::StatusChanged(self.status()));
        out.set_timer(Timer::Init, self.config.init_limit.max(1));
        // Alone, this server is a quorum.
        self.check_cepoch_quorum(out);
    }

    // ---- dispatch by role ----

    fn step_looking(&mut self, from: NodeId, msg: Msg, out: &mut Out) {
        if let Msg::Notification { vote, round, state } = msg {
            self.on_notification_looking(from, vote, round, state, out);
        }
        // Anything else belongs to an epoch this server is not part of yet;
        // followers and leaders retry what matters.
    }

    fn step_follower(&mut self, from: NodeId, msg: Msg, out: &mut Out) {
        if let Msg::Notification { state, .. } = msg {
            self.answer_looking_peer(from, state, out);
            return;
        }
        let RoleState::Following(f) = &self.role else {
            return;
        };
        if from != f.leader {
            return;
        }
        match msg {
            Msg::NewEpoch { epoch } => self.on_new_epoch(epoch, out),
            Msg::NewLeader {
                epoch,
                sync,
                last,
                committed,
            } => self.on_new_leader(epoch, sync, last, committed, out),
            Msg::CommitLd { epoch, committed } => self.on_commit_ld(epoch, committed, out),
            Msg::Propose {
                epoch,
                zxid,
                command,
            } => self.on_propose(epoch, zxid, command, out),
            Msg::Commit { epoch, zxid } => self.on_commit(epoch, zxid, false, out),
            Msg::Ping { epoch, committed } => self.on_commit(epoch, committed, true, out),
            _ => {}
        }
    }

    fn step_leader(&mut self, from: NodeId, msg: Msg, out: &mut Out) {
        match msg {
            Msg::Notification { state, .. } => self.answer_looking_peer(from, state, out),
            Msg::CEpoch { accepted_epoch } => self.on_cepoch(from, accepted_epoch, out),
            Msg::AckEpoch {
                epoch,
                current_epoch,
                last,
                fresh,
            } => self.on_ack_epoch(from, epoch, current_epoch, last, fresh, out),
            Msg::AckLd { epoch, last } => self.on_ack_ld(from, epoch, last, out),
            Msg::Ack { epoch, zxid } => self.on_ack(from, epoch, zxid, out),
            Msg::Forward { command } => self.on_forward(command, out),
            _ => {}
        }
    }

    /// A FOLLOWING or LEADING server tells a LOOKING peer whom it follows,
    /// so the peer can join (FLE: "if the sender is LOOKING, send back our
    /// vote").
    fn answer_looking_peer(&self, from: NodeId, state: PeerState, out: &mut Out) {
        if state == PeerState::Looking {
            out.send(from, self.notification());
        }
    }

    fn skips_ack_quorum(&self) -> bool {
        self.bug == Some(InjectedBug::CommitWithoutQuorum)
    }

    fn accepts_stale_epochs(&self) -> bool {
        self.bug == Some(InjectedBug::AcceptStaleEpoch)
    }
}

impl Core for Zab {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ZabDurable;

    const NAME: &'static str = "zab";

    fn new(
        id: NodeId,
        config: ClusterConfig,
        recovered: Recovered<ZabDurable>,
        out: &mut Out,
    ) -> Self {
        Zab::new_with_bug(id, config, recovered, None, out)
    }

    fn propose(&mut self, command: Command, out: &mut Out) {
        self.on_propose_local(command, out);
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, out: &mut Out) {
        if from == self.id || !self.config.members.contains(&from) {
            return;
        }
        match self.role {
            RoleState::Looking(_) => self.step_looking(from, msg, out),
            RoleState::Following(_) => self.step_follower(from, msg, out),
            RoleState::Leading(_) => self.step_leader(from, msg, out),
        }
    }

    fn on_timer(&mut self, timer: Timer, out: &mut Out) {
        match (&self.role, timer) {
            (RoleState::Looking(_), Timer::Notify) => {
                self.broadcast(&self.notification(), out);
                out.set_timer(Timer::Notify, self.notify_after);
            }
            (RoleState::Following(f), Timer::Init) if f.phase != FollowerPhase::Broadcast => {
                self.become_looking(out)
            }
            (RoleState::Leading(l), Timer::Init) if l.phase != LeaderPhase::Broadcast => {
                self.become_looking(out)
            }
            (RoleState::Following(_), Timer::Resend) => self.resend_phase_message(out),
            (RoleState::Following(f), Timer::LeaderSilent)
                if f.phase == FollowerPhase::Broadcast =>
            {
                self.become_looking(out)
            }
            (RoleState::Following(_), Timer::Reforward) => self.reforward(out),
            (RoleState::Leading(_), Timer::Heartbeat) => self.heartbeat(out),
            (RoleState::Leading(_), Timer::CheckQuorum) => self.check_quorum(out),
            // A timer of a role or phase this server has left.
            _ => {}
        }
    }

    fn compact(&mut self, upto: Zxid, out: &mut Out) {
        self.compact_upto(upto, out);
    }

    fn snapshot_installed(&mut self, at: Zxid, out: &mut Out) {
        self.install_snapshot(at, out);
    }

    fn status(&self) -> Status {
        let role = match self.role {
            RoleState::Looking(_) => Role::Looking,
            RoleState::Following(_) => Role::Follower,
            RoleState::Leading(_) => Role::Leader,
        };
        Status {
            role,
            leader: self.leader(),
            epoch: self.durable.current_epoch,
            last_committed: self.committed,
        }
    }

    fn id(&self) -> NodeId {
        self.id
    }
}
