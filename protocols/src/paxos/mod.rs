//! Leaderless basic Paxos as a sans-IO [`Core`]: one single-decree Paxos
//! instance per log slot, every server a proposer, an acceptor and a
//! learner. This is the protocol the seed course teaches (§4.4: Prepare,
//! "two promises and one answer", Propose, Accept, Learn) and whose defect
//! it names: several proposers can pre-empt one another for ever.
//!
//! # The algorithm, handler by handler
//!
//! - **Proposal ids** ([`ProposalId`], Multi-Paxos's `Ballot`): `(round,
//!   server id)`, ordered by round then id, so they are unique and
//!   increasing (the seed: "globally unique and increasing ... a timestamp
//!   plus the server id"). A proposer picks the round one above every
//!   promise it knows of in that slot, and its own acceptor promises the id
//!   (persisted) before the prepare leaves, so a restarted node never
//!   reuses one.
//! - **Acceptor** (`acceptor.rs`), per slot: a `Prepare(id)` with an id
//!   above its promise is promised (persisted, then answered with the
//!   accepted proposal of highest id, or none); one with a lower id is
//!   refused with `Nack` naming the promise. A `Accept(id, v)` with an id
//!   at least its promise is accepted (persisted, then `Accepted`); a lower
//!   one is refused with `Nack`. The seed's "two promises": no prepare with
//!   an id ≤ the promised one (an *equal* id is the same proposer's own
//!   prepare delivered again and gets the same promise again, not a new
//!   one), no accept with an id < it. An acceptor that knows the slot is
//!   decided answers with `Decided` instead: the proposer is late.
//! - **Proposer** (`proposer.rs`): a node proposes the head of its queue
//!   of client commands into the first slot above its commit point that it
//!   does not know decided; with a majority of promises it proposes the
//!   value of the highest accepted id among them, or its own if none
//!   (the seed's step 3); with a majority of `Accepted` the value is
//!   decided. One instance runs per node at a time, so the commands
//!   submitted at a node commit in submission order.
//! - **Pre-emption**: a `Nack` for the running id means a higher id was
//!   promised. The proposer starts phase 1 again in the same slot with a
//!   higher id — at once, or after a seeded random backoff
//!   ([`PaxosOptions::backoff`]) that doubles with each consecutive
//!   pre-emption. Without backoff two proposers can duel for ever.
//! - **Learners** (`learner.rs`): the winner tells everyone `Decided`; a
//!   learner persists the value and commits slot after slot with no gap,
//!   once every slot below it did (no-ops advance the commit point but are
//!   never handed to the host).
//! - **Batches and zxids**: a slot decides a batch of up to [`MAX_BATCH`]
//!   commands, the head of its proposer's queue, so one round trip orders
//!   everything waiting there (with one command per slot, basic Paxos
//!   carries a tenth of what a pipelining leader does). The `i`-th command
//!   of slot `s` commits at `Zxid::new(s, i)`: the slot number is the
//!   zxid's high half, so commits follow slot order.
//!   A proposer that sees its slot decided with another value retries its
//!   command in the next free slot.
//! - **Catch-up**: each node broadcasts `Progress(committed)` every tick
//!   while it may lag (it saw a later slot under way or decided), and every
//!   `Resync` anyway; a
//!   peer that knows more answers with the decided values that follow (or,
//!   past its compaction point, has its host stream a snapshot).
//! - **Gaps**: a slot whose proposer died can hold later slots back for
//!   ever. A node that sees its commit point stalled for a whole `Resync`
//!   period (`sync_limit` ticks, long enough for a live proposer) while
//!   later slots are decided (or the next one holds an accepted value)
//!   runs Paxos on the stalled slot with a no-op, adopting any value
//!   already accepted there.
//! - **Restart**: the acceptors' promises and acceptances and the decided
//!   values come back from [`PaxosDurable`]; decided slots above what the
//!   host already applied are committed again. The proposer's queue is
//!   lost (its clients retry).
//!
//! # Observing a duel (for the livelock property)
//!
//! [`Paxos::stats`] returns, for this node since it (re)started, the
//! counters a model checker needs to state "two proposers each got through
//! phase 1 twice and were pre-empted each time, and nothing was chosen":
//!
//! - [`ProposerStats::attempts`]: phase-1 attempts started (each
//!   `Prepare` round with a fresh id);
//! - [`ProposerStats::promises_won`]: attempts that got a majority of
//!   promises (got through phase 1 and sent `Accept`);
//! - [`ProposerStats::preemptions`]: attempts ended by a `Nack` (a prepare
//!   or an accept refused because of a higher promise);
//!
//! and whether anything was chosen: [`Paxos::decided`] (every value this
//! node knows decided, above its compaction point) or, cluster-wide,
//! [`Core::status`]`().last_committed` of any node above zero. The running
//! instance is [`Paxos::instance`].

mod acceptor;
pub mod contention;
mod durable;
mod learner;
mod messages;
mod proposer;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use durable::{PaxosDurable, Record, SlotAcceptor};
pub use messages::{Accepted, Msg, ProposalId, Slot, Timer, Value};
pub use proposer::{Instance, Phase};

use crate::contract::{Action, Command, Core, OutboxOf, Recovered};
use crate::rng::SplitMix64;
use crate::types::{ClusterConfig, NodeId, Role, Status, Zxid};

/// How many client commands a node queues at most; beyond it, it rejects.
pub const MAX_PENDING: usize = 1024;

/// How many decided slots one `Decided` catch-up message carries at most.
pub const MAX_DECIDED_BATCH: usize = 64;

/// How many client commands one slot's batch carries at most.
pub const MAX_BATCH: usize = 64;

/// A deliberate bug, for showing that the simulator's and the model
/// checker's checks catch a broken core. Kept across restarts (the host
/// rebuilds the core with the same options).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum InjectedBug {
    /// The acceptor skips its promises: it promises and accepts ids lower
    /// than the one it promised.
    AcceptBelowPromise,
}

/// How a node behaves beyond the cluster configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PaxosOptions {
    /// Wait a seeded random time before retrying after a pre-emption
    /// (true in every real cluster; false to show the livelock).
    pub backoff: bool,
    pub bug: Option<InjectedBug>,
}

impl Default for PaxosOptions {
    fn default() -> Self {
        PaxosOptions {
            backoff: true,
            bug: None,
        }
    }
}

/// What this node's proposer did since the node (re)started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProposerStats {
    /// Phase-1 attempts started (one per fresh proposal id).
    pub attempts: u32,
    /// Attempts that gathered a majority of promises.
    pub promises_won: u32,
    /// Attempts refused by a higher promise (`Nack`).
    pub preemptions: u32,
}

type Out = OutboxOf<Paxos>;

/// One basic-Paxos node: acceptor and learner of every slot, proposer of
/// its own clients' commands.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Paxos {
    id: NodeId,
    config: ClusterConfig,
    options: PaxosOptions,
    /// Exactly what this node persisted, folded.
    durable: PaxosDurable,
    /// Every slot up to here is decided and committed here (no-ops too).
    committed: Slot,
    /// The host already holds every commit up to here (what it applied
    /// before a restart, or a snapshot it installed): not committed again.
    floor: Zxid,
    /// The last zxid committed here, or `Zxid::new(s, 0)` after a slot `s`
    /// that decided a no-op.
    last: Zxid,
    /// Client commands submitted here not yet seen committed, in arrival
    /// order; the head is the one being proposed.
    pending: Vec<Command>,
    /// The proposal this node is running, if any.
    instance: Option<Instance>,
    /// The commit point seen stalled at the last `Resync` (gap filling).
    stalled: Option<Slot>,
    /// Peers asked a snapshot since the last `Resync`.
    snapshot_sent: BTreeSet<NodeId>,
    stats: ProposerStats,
    rng: SplitMix64,
}

impl Paxos {
    /// Builds node `id` from what it persisted, with `options`.
    /// [`Core::new`] uses the default options (backoff on, no bug).
    pub fn new_with(
        id: NodeId,
        config: ClusterConfig,
        recovered: Recovered<PaxosDurable>,
        options: PaxosOptions,
        out: &mut Out,
    ) -> Paxos {
        let rng = SplitMix64::new(config.seed ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let compacted = recovered.durable.compacted;
        let applied = recovered.applied.max(compacted);
        let mut core = Paxos {
            id,
            config,
            options,
            durable: recovered.durable,
            // Every slot below the applied zxid's is in the host; the rest
            // of that slot's batch may not be.
            committed: applied.epoch().saturating_sub(1),
            floor: applied,
            last: applied,
            pending: Vec::new(),
            instance: None,
            stalled: None,
            snapshot_sent: BTreeSet::new(),
            stats: ProposerStats::default(),
            rng,
        };
        // The host holds everything up to `applied`: what we kept for those
        // slots is not needed any more.
        if applied > compacted {
            core.persist(Record::Compact(applied), out);
        }
        out.push(Action::StatusChanged(core.status()));
        core.commit_ready(out);
        out.set_timer(Timer::Tick, core.config.heartbeat.max(1));
        out.set_timer(Timer::Resync, core.config.sync_limit.max(1));
        core
    }

    /// What this node persisted, folded.
    pub fn durable(&self) -> &PaxosDurable {
        &self.durable
    }

    /// The values this node knows decided, per slot above its compaction
    /// point.
    pub fn decided(&self) -> &BTreeMap<Slot, Value> {
        &self.durable.decided
    }

    /// The last slot committed here.
    pub fn committed(&self) -> Slot {
        self.committed
    }

    /// The client commands waiting here, head first.
    pub fn pending(&self) -> &[Command] {
        &self.pending
    }

    /// The proposal this node is running.
    pub fn instance(&self) -> Option<&Instance> {
        self.instance.as_ref()
    }

    /// The proposer's counters since this node (re)started (see the module
    /// documentation).
    pub fn stats(&self) -> ProposerStats {
        self.stats
    }

    pub fn options(&self) -> PaxosOptions {
        self.options
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

    fn skips_promises(&self) -> bool {
        self.options.bug == Some(InjectedBug::AcceptBelowPromise)
    }

    /// The zxid of the `index`-th command (from 0) of `slot`'s batch.
    fn zxid(slot: Slot, index: usize) -> Zxid {
        Zxid::new(slot, u32::try_from(index + 1).unwrap_or(u32::MAX))
    }

    fn on_tick(&mut self, out: &mut Out) {
        out.set_timer(Timer::Tick, self.config.heartbeat.max(1));
        if self.suspects_lag() {
            self.broadcast_progress(out);
        }
        self.retransmit(out);
    }

    fn on_resync(&mut self, out: &mut Out) {
        out.set_timer(Timer::Resync, self.config.sync_limit.max(1));
        self.snapshot_sent.clear();
        self.broadcast_progress(out);
        self.fill_stalled_gap(out);
    }

    fn broadcast_progress(&self, out: &mut Out) {
        let committed = self.committed;
        self.broadcast(&Msg::Progress { committed }, out);
    }

    /// Whether some slot past the commit point is decided or under way
    /// elsewhere (this node's acceptor took part in it, or the snapshot it
    /// installed ends in it): then it asks its peers every tick. Otherwise
    /// it asks only at every `Resync`, which is enough for a node that
    /// missed everything.
    fn suspects_lag(&self) -> bool {
        let next = self.committed + 1;
        let own = self.instance.as_ref().map(|i| i.slot);
        self.floor.epoch() >= next
            || self.durable.decided.range(next..).next().is_some()
            || self
                .durable
                .acceptors
                .range(next..)
                .any(|(s, _)| Some(*s) != own)
    }
}

impl Core for Paxos {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = PaxosDurable;

    const NAME: &'static str = "paxos";

    fn new(
        id: NodeId,
        config: ClusterConfig,
        recovered: Recovered<PaxosDurable>,
        out: &mut Out,
    ) -> Self {
        Paxos::new_with(id, config, recovered, PaxosOptions::default(), out)
    }

    fn propose(&mut self, command: Command, out: &mut Out) {
        if self.pending.len() >= MAX_PENDING {
            out.push(Action::Rejected {
                command,
                reason: crate::contract::RejectReason::NotLeader { leader: None },
            });
            return;
        }
        self.pending.push(command);
        self.start_proposing(out);
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, out: &mut Out) {
        if from == self.id || !self.config.members.contains(&from) {
            return;
        }
        match msg {
            Msg::Prepare { slot, id } => self.on_prepare(from, slot, id, out),
            Msg::Accept { slot, id, value } => self.on_accept(from, slot, id, value, out),
            Msg::Promise { slot, id, accepted } => self.on_promise(from, slot, id, accepted, out),
            Msg::Accepted { slot, id } => self.on_accepted(from, slot, id, out),
            Msg::Nack { slot, id, promised } => self.on_nack(slot, id, promised, out),
            Msg::Decided { values } => self.on_decided(values, out),
            Msg::Progress { committed } => self.on_progress(from, committed, out),
        }
    }

    fn on_timer(&mut self, timer: Timer, out: &mut Out) {
        match timer {
            Timer::Tick => self.on_tick(out),
            Timer::Retry => self.retry(out),
            Timer::Resync => self.on_resync(out),
        }
    }

    fn compact(&mut self, upto: Zxid, out: &mut Out) {
        self.compact_upto(upto, out);
    }

    fn snapshot_installed(&mut self, at: Zxid, out: &mut Out) {
        self.install_snapshot(at, out);
    }

    fn status(&self) -> Status {
        Status {
            role: Role::Peer,
            leader: None,
            epoch: 0,
            last_committed: self.last,
        }
    }

    fn id(&self) -> NodeId {
        self.id
    }
}
