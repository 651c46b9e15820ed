//! Leader-based Multi-Paxos as a sans-IO [`Core`].
//!
//! # The algorithm, handler by handler
//!
//! Every node is an acceptor, a learner and possibly the leader (the
//! "distinguished proposer" of Paxos Made Simple, §3). PMS = Lamport, *Paxos
//! Made Simple* (2001); PMMC = van Renesse & Altinbuken, *Paxos Made
//! Moderately Complex* (2015).
//!
//! - **Ballots** ([`Ballot`], `ballot.rs`): `(round, node)` ordered by round
//!   then node, so distinct proposers never share one (PMS §2.5: "different
//!   proposers choose their numbers from disjoint sets").
//! - **Campaign** (`become_candidate`, `leader.rs`): a node whose election
//!   timer fires picks a ballot above every ballot it has promised, promises
//!   it to itself, and sends one `Prepare` covering *every* slot from the
//!   first one it does not know to be chosen (PMS §3: phase 1 "for all
//!   instances" at once; PMMC's scout).
//! - **Acceptor** (`acceptor.rs`): answers `Prepare(b)` with a `Promise`
//!   carrying its votes from that slot on if `b` is at least its promise,
//!   and votes for `Accept(b, s, v)` under the same condition (PMS §2.2,
//!   P1a; PMMC's acceptor); otherwise it answers `Nack` carrying the higher
//!   promise (PMMC's preempted). Every promise and vote is persisted before
//!   the answer is sent (PMS §2.5: "records its intended response in stable
//!   storage before actually sending the response"; our `Outbox` rule 1).
//! - **Becoming leader** (`become_leader`, `leader.rs`): with promises from
//!   a quorum, the candidate proposes, for every slot some promiser voted
//!   in, the entry of the highest ballot (PMS §2.2, P2c; PMMC's `pmax`),
//!   and a no-op for every hole below the highest such slot (PMS §3: the
//!   new leader "fills the gaps with no-op commands"). If a promiser has
//!   compacted slots the candidate does not know, those are chosen but only
//!   in that promiser's snapshot: the candidate steps down and fetches it
//!   (`on_promise`), leaving the lead to an up-to-date node.
//! - **Phase 2** (`leader.rs`): the leader proposes one entry per slot, many
//!   slots in flight, votes for it itself (persisted), and learns it chosen
//!   when a quorum voted for it in its ballot (PMS §2.3; PMMC's commander).
//!   It re-sends unanswered accepts at each heartbeat.
//! - **Pre-emption**: a leader or candidate that sees a higher ballot (a
//!   `Nack`, a `Prepare`, an `Accept` or a `Chosen`) steps down to follower
//!   (PMMC: a preempted leader stops being active).
//! - **Learning** (`follower.rs`): the leader tells every replica `Chosen(b,
//!   c)`: all slots up to `c` are chosen and those it proposed in `b` were
//!   chosen in `b`. A replica commits slot `s <= c` from its own vote only
//!   if that vote was cast in ballot `b` — a vote from another ballot may
//!   hold a value that lost (PMS §2.3: a learner must learn that a proposal
//!   "has been accepted by a majority", not merely that it was accepted).
//!   Otherwise it answers `Behind` and the leader sends the chosen entries
//!   (`catchup.rs`); each is recorded as a vote in a ballot it was chosen
//!   in before it is committed, so every committed slot's vote holds the
//!   chosen entry and the node can serve it later. Past the leader's
//!   compaction point, the leader's host streams a snapshot instead.
//! - **Zxids** (`commit_entry`): slot `s` commits at `Zxid::new(e, s)` with
//!   `e` the largest epoch stored in the chosen entries up to `s`, the same
//!   on every node and increasing across leader changes.
//! - **Liveness** (PMS §2.4: electing a distinguished proposer needs
//!   "randomness or real time—for example, by using timeouts"): followers
//!   campaign after `sync_limit + jitter` ticks without a word from the
//!   leader; the leader heartbeats every `heartbeat` ticks and steps down
//!   if no quorum answered during `sync_limit` ticks (check-quorum).
//! - **Proposals** (`follower.rs`): non-leaders forward them to the leader
//!   they know, keep them until they see them committed, forward them again
//!   to every new leader and when the `Reforward` timer fires (a `Forward`
//!   may be lost), and hold them (up to [`MAX_PENDING`]) while no leader is
//!   known. A leader that steps down keeps its own uncommitted proposals
//!   the same way. Installing a snapshot hands the waiting proposals back
//!   as `Abandoned`: their commits may be inside it, unseen.
//! - **Restart** (`new_with_bug`): the durable promise and votes come back;
//!   votes up to what the host already applied are forgotten (compacted),
//!   since a snapshot installed just before the crash may have made them
//!   stale.
//!
//! Roles change only in `become_follower`, `become_candidate` and
//! `become_leader`; messages are dispatched by role in `step_follower`,
//! `step_candidate` and `step_leader`.

mod acceptor;
mod ballot;
mod catchup;
mod durable;
mod follower;
mod leader;
mod messages;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use ballot::Ballot;
pub use durable::{MpDurable, Record};
pub use messages::{Entry, Msg, Slot, Timer, Vote};

use crate::contract::{Action, Command, Core, OutboxOf, Recovered};
use crate::rng::SplitMix64;
use crate::types::{ClusterConfig, NodeId, Role, Status, Ticks, Zxid};

/// How many proposals a non-leader holds while it knows no leader (and
/// keeps while waiting to see them committed); beyond it, it rejects.
pub const MAX_PENDING: usize = 1024;

/// How many chosen entries one `CatchUp` message carries at most.
pub const MAX_CATCH_UP_BATCH: usize = 64;

/// A deliberate bug, for showing that the simulator's and the model
/// checker's checks catch a broken core. Set only by the constructor, so it
/// survives a restart (the host rebuilds the core with the same bug).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum InjectedBug {
    /// The acceptor skips the promise check: it promises and accepts
    /// ballots lower than the one it promised.
    AcceptBelowPromise,
}

type Out = OutboxOf<MultiPaxos>;

/// One Multi-Paxos node: acceptor, learner, and leader or candidate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MultiPaxos {
    id: NodeId,
    config: ClusterConfig,
    bug: Option<InjectedBug>,
    /// Exactly what this node persisted, folded (every change goes through
    /// [`MultiPaxos::persist`]).
    durable: MpDurable,
    /// The zxid of the last slot committed here (no-ops included).
    committed: Zxid,
    role: RoleState,
    /// Proposals made at this node not yet seen committed, in arrival order.
    pending: Vec<Command>,
    /// The pending proposals already sent to the leader when the
    /// `Reforward` timer was last armed. Only these are re-sent when it
    /// fires: a proposal forwarded moments before the timer fires is still
    /// in flight, and re-sending it would order it twice.
    waited: BTreeSet<Command>,
    rng: SplitMix64,
    /// This node's election timeout, drawn at start and at each campaign.
    election_after: Ticks,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum RoleState {
    Follower { leader: Option<NodeId> },
    Candidate(CandidateState),
    Leader(LeaderState),
}

/// Phase 1 in progress.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct CandidateState {
    ballot: Ballot,
    /// The first slot this node does not know to be chosen.
    first: Slot,
    /// The votes each promiser (this node included) reported from `first`.
    promises: BTreeMap<NodeId, BTreeMap<Slot, Vote>>,
}

/// Phase 2: the leader of `ballot`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct LeaderState {
    ballot: Ballot,
    next_slot: Slot,
    /// Proposed slots not yet committed here, with who voted for them.
    in_flight: BTreeMap<Slot, InFlight>,
    /// Peers heard from in `ballot` since the last `CheckQuorum`.
    heard: BTreeSet<NodeId>,
    /// Peers a snapshot was asked for since the last `CheckQuorum`, so one
    /// slow transfer is not restarted at every heartbeat.
    snapshot_sent: BTreeSet<NodeId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct InFlight {
    entry: Entry,
    votes: BTreeSet<NodeId>,
}

impl MultiPaxos {
    /// Builds node `id` from what it persisted, with an optional injected
    /// bug. [`Core::new`] calls it with `None`.
    pub fn new_with_bug(
        id: NodeId,
        config: ClusterConfig,
        recovered: Recovered<MpDurable>,
        bug: Option<InjectedBug>,
        out: &mut Out,
    ) -> MultiPaxos {
        let rng = SplitMix64::new(config.seed ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let committed = recovered.applied.max(recovered.durable.compacted);
        let mut core = MultiPaxos {
            id,
            config,
            bug,
            durable: recovered.durable,
            committed,
            role: RoleState::Follower { leader: None },
            pending: Vec::new(),
            waited: BTreeSet::new(),
            rng,
            election_after: 0,
        };
        // The host holds everything up to `applied` in its state machine; if
        // it installed a snapshot and crashed before we persisted that, our
        // votes up to there may be stale values: forget them now.
        if committed > core.durable.compacted {
            core.persist(Record::Compact(committed), out);
        }
        core.draw_election_timeout();
        core.arm_election_timer(out);
        core
    }

    /// What this node persisted, folded (for tests and hosts that inspect).
    pub fn durable(&self) -> &MpDurable {
        &self.durable
    }

    /// The proposals this node holds or waits to see committed.
    pub fn pending(&self) -> &[Command] {
        &self.pending
    }

    /// The ballot this node campaigns with while in phase 1 (a candidate),
    /// read-only (the model checker's livelock view).
    pub fn candidate_ballot(&self) -> Option<Ballot> {
        match &self.role {
            RoleState::Candidate(c) => Some(c.ballot),
            _ => None,
        }
    }

    /// The ballot this node leads in phase 2, read-only (the model
    /// checker's livelock view).
    pub fn leader_ballot(&self) -> Option<Ballot> {
        match &self.role {
            RoleState::Leader(l) => Some(l.ballot),
            _ => None,
        }
    }

    /// Changes the durable state and asks the host to persist the change,
    /// in that order, so memory and disk never disagree.
    fn persist(&mut self, record: Record, out: &mut Out) {
        use crate::contract::Durable;
        self.durable.apply(&record);
        out.persist(record);
    }

    fn peers(&self) -> Vec<NodeId> {
        self.config
            .members
            .iter()
            .copied()
            .filter(|&m| m != self.id)
            .collect()
    }

    fn broadcast(&self, msg: &Msg, out: &mut Out) {
        for peer in self.peers() {
            out.send(peer, msg.clone());
        }
    }

    fn known_leader(&self) -> Option<NodeId> {
        match &self.role {
            RoleState::Follower { leader } => *leader,
            RoleState::Candidate(_) => None,
            RoleState::Leader(_) => Some(self.id),
        }
    }

    fn skips_promise_check(&self) -> bool {
        self.bug == Some(InjectedBug::AcceptBelowPromise)
    }

    /// Draws a fresh election timeout: `sync_limit` plus per-node seeded
    /// jitter of up to `sync_limit`, so two nodes do not keep campaigning
    /// at the same moment. Drawn at start and at each campaign only (not at
    /// every role change): that is enough to break ties, and every draw
    /// changes the generator's state, which stateright must enumerate.
    fn draw_election_timeout(&mut self) {
        let base = self.config.sync_limit.max(1);
        self.election_after = base + self.rng.between(0, base);
    }

    fn arm_election_timer(&mut self, out: &mut Out) {
        out.set_timer(Timer::Election, self.election_after);
    }

    /// Any node: raises the promise to a higher ballot it saw, so its next
    /// campaign starts above it.
    fn observe(&mut self, ballot: Ballot, out: &mut Out) {
        if ballot > self.durable.promised {
            self.persist(Record::Promise(ballot), out);
        }
    }

    // ---- role changes: the only places `self.role` is assigned ----

    /// Becomes a follower of `leader` (or a looking node, with `None`).
    fn become_follower(&mut self, leader: Option<NodeId>, out: &mut Out) {
        let old = std::mem::replace(&mut self.role, RoleState::Follower { leader });
        if matches!(old, RoleState::Leader(_)) {
            out.cancel_timer(Timer::Heartbeat);
            out.cancel_timer(Timer::CheckQuorum);
        }
        self.arm_election_timer(out);
        out.push(Action::StatusChanged(self.status()));
        if let Some(leader) = leader {
            self.forward_pending(leader, out);
        }
    }

    /// Starts phase 1 with a ballot above every ballot promised so far.
    fn become_candidate(&mut self, out: &mut Out) {
        if matches!(self.role, RoleState::Leader(_)) {
            out.cancel_timer(Timer::Heartbeat);
            out.cancel_timer(Timer::CheckQuorum);
        }
        let ballot = self.durable.promised.next_for(self.id);
        self.persist(Record::Promise(ballot), out);
        let first = self.committed.counter() + 1;
        let own_votes = self
            .durable
            .accepted
            .range(first..)
            .map(|(s, v)| (*s, v.clone()))
            .collect();
        self.role = RoleState::Candidate(CandidateState {
            ballot,
            first,
            promises: BTreeMap::from([(self.id, own_votes)]),
        });
        self.draw_election_timeout();
        self.arm_election_timer(out);
        out.push(Action::StatusChanged(self.status()));
        self.broadcast(&Msg::Prepare { ballot, first }, out);
        self.check_promise_quorum(out);
    }

    // ---- dispatch by role ----

    fn step_follower(&mut self, from: NodeId, msg: Msg, out: &mut Out) {
        match msg {
            Msg::Chosen { ballot, upto } => self.on_chosen(from, ballot, upto, out),
            Msg::CatchUp { ballot, entries } => self.on_catch_up(from, ballot, entries, out),
            // A follower does not order commands; the proposer keeps the
            // command and forwards it again to the next leader it learns of.
            Msg::Forward { .. } => {}
            // Nobody asked a follower to lead: late answers to an old
            // campaign, or a stale pre-emption.
            Msg::Promise { .. } | Msg::Accepted { .. } | Msg::Nack { .. } => {}
            other => self.step_any(from, other, out),
        }
    }

    fn step_candidate(&mut self, from: NodeId, msg: Msg, out: &mut Out) {
        match msg {
            Msg::Promise {
                ballot,
                votes,
                compacted,
            } => self.on_promise(from, ballot, votes, compacted, out),
            Msg::Nack { promised } => self.on_nack(promised, out),
            Msg::Chosen { ballot, upto } => self.on_chosen(from, ballot, upto, out),
            // Entries are applied only by a follower (whose first unknown
            // slot is not frozen into a running phase 1).
            Msg::CatchUp { .. } | Msg::Forward { .. } | Msg::Accepted { .. } => {}
            other => self.step_any(from, other, out),
        }
    }

    fn step_leader(&mut self, from: NodeId, msg: Msg, out: &mut Out) {
        match msg {
            Msg::Accepted { ballot, slot } => self.on_accepted(from, ballot, slot, out),
            Msg::Learned { ballot, .. } => self.on_learned(from, ballot, None, out),
            Msg::Behind { ballot, upto } => self.on_learned(from, ballot, Some(upto), out),
            Msg::Forward { command } => {
                self.propose_command(command, out);
                self.advance_commit(out);
            }
            Msg::Nack { promised } => self.on_nack(promised, out),
            Msg::Chosen { ballot, upto } => self.on_chosen(from, ballot, upto, out),
            Msg::Promise { .. } | Msg::CatchUp { .. } => {}
            other => self.step_any(from, other, out),
        }
    }

    /// Messages every role handles alike: the acceptor's, and serving
    /// chosen entries to whoever lags.
    fn step_any(&mut self, from: NodeId, msg: Msg, out: &mut Out) {
        match msg {
            Msg::Prepare { ballot, first } => self.on_prepare(from, ballot, first, out),
            Msg::Accept {
                ballot,
                slot,
                entry,
            } => self.on_accept(from, ballot, slot, entry, out),
            Msg::Behind { upto, .. } => self.serve_catch_up(from, upto, out),
            _ => {}
        }
    }

    /// A leader or candidate learns of a higher ballot: it is pre-empted.
    fn on_nack(&mut self, promised: Ballot, out: &mut Out) {
        if promised > self.durable.promised {
            self.observe(promised, out);
            self.become_follower(None, out);
        }
    }

    /// Commits `entry` as the next slot, at the zxid every node computes
    /// for it (see the module documentation).
    fn commit_entry(&mut self, slot: Slot, entry: Entry, out: &mut Out) {
        debug_assert_eq!(slot, self.committed.counter() + 1);
        let epoch = self.committed.epoch().max(entry.epoch);
        self.committed = Zxid::new(epoch, slot);
        if let Some(command) = entry.command {
            if let Some(i) = self.pending.iter().position(|c| *c == command) {
                self.pending.remove(i);
            }
            self.waited.remove(&command);
            out.commit(self.committed, command);
        }
    }
}

impl Core for MultiPaxos {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = MpDurable;

    const NAME: &'static str = "multipaxos";

    fn new(
        id: NodeId,
        config: ClusterConfig,
        recovered: Recovered<MpDurable>,
        out: &mut Out,
    ) -> Self {
        MultiPaxos::new_with_bug(id, config, recovered, None, out)
    }

    fn propose(&mut self, command: Command, out: &mut Out) {
        if matches!(self.role, RoleState::Leader(_)) {
            self.pending.push(command.clone());
            self.propose_command(command, out);
            self.advance_commit(out);
        } else {
            self.hold_or_forward(command, out);
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, out: &mut Out) {
        if from == self.id || !self.config.members.contains(&from) {
            return;
        }
        match self.role {
            RoleState::Follower { .. } => self.step_follower(from, msg, out),
            RoleState::Candidate(_) => self.step_candidate(from, msg, out),
            RoleState::Leader(_) => self.step_leader(from, msg, out),
        }
    }

    fn on_timer(&mut self, timer: Timer, out: &mut Out) {
        let leading = matches!(self.role, RoleState::Leader(_));
        match timer {
            Timer::Election if !leading => self.become_candidate(out),
            Timer::Heartbeat if leading => self.heartbeat(out),
            Timer::CheckQuorum if leading => self.check_quorum(out),
            Timer::Reforward => self.reforward(out),
            // A timer of a role this node no longer has.
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
        let role = match &self.role {
            RoleState::Leader(_) => Role::Leader,
            RoleState::Follower { leader: Some(_) } => Role::Follower,
            RoleState::Follower { leader: None } | RoleState::Candidate(_) => Role::Looking,
        };
        Status {
            role,
            leader: self.known_leader(),
            epoch: self.durable.promised.round,
            last_committed: self.committed,
        }
    }

    fn id(&self) -> NodeId {
        self.id
    }
}
