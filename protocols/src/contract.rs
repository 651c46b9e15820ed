//! The protocol contract: the one trait every consensus core implements, and
//! the outbox through which a core asks its host to act.
//!
//! A core is a deterministic state machine. Its inputs are [`Core::propose`],
//! [`Core::on_message`], [`Core::on_timer`] (for a timer it set itself),
//! [`Core::compact`] and [`Core::snapshot_installed`], and construction
//! from [`Recovered`] durable state. Its outputs are [`Action`]s appended to
//! an [`Outbox`]. The same inputs in the same order give the same outputs:
//! no clock, no I/O, no randomness but the seed in the [`ClusterConfig`].

use std::fmt::Debug;
use std::hash::Hash;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::types::{ClusterConfig, NodeId, Status, Ticks, Zxid};

/// A client command: opaque bytes to the protocol (the coordinator encodes
/// a ZooKeeper request into it).
pub type Command = Vec<u8>;

/// Bounds that let a value travel over the network, sit in a write-ahead
/// log, and live inside a stateright state.
pub trait Wire:
    Clone + Debug + Eq + Hash + Ord + Serialize + DeserializeOwned + Send + Sync + 'static
{
}
impl<T> Wire for T where
    T: Clone + Debug + Eq + Hash + Ord + Serialize + DeserializeOwned + Send + Sync + 'static
{
}

/// Why a core hands a proposal back to its host instead of ordering it.
/// The host answers its client with it (a gRPC status, a ZooKeeper error).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RejectReason {
    /// This node cannot order commands and knows no one to forward to
    /// (no leader elected yet, or too many proposals already waiting).
    NotLeader { leader: Option<NodeId> },
    /// The proposal was bound to a leader or slot that is gone and the
    /// protocol does not retry it (Zab drops a dead leader's outstanding
    /// forwards, as ZooKeeper does: the client sees connection loss).
    Abandoned,
}

/// The durable part of a core: what a `Persist` record changes, and what a
/// restarted node is rebuilt from. The runtime's write-ahead log replays
/// records into it; stateright keeps it as an actor's `Storage`.
pub trait Durable: Wire + Default {
    type Record: Wire;

    /// Folds one persisted record into the durable state.
    fn apply(&mut self, record: &Self::Record);
}

/// What a host hands to a core it (re)starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Recovered<D> {
    /// Every record this node persisted, folded.
    pub durable: D,
    /// The last zxid the host's state machine already holds (from its
    /// snapshot, or from commits it applied before a crash). The core will
    /// not commit anything at or below it again.
    pub applied: Zxid,
}

impl<D: Default> Recovered<D> {
    /// A node starting for the first time: nothing persisted, nothing applied.
    pub fn fresh() -> Recovered<D> {
        Recovered {
            durable: D::default(),
            applied: Zxid::ZERO,
        }
    }
}

/// What a core asks its host to do.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Action<M, T, R> {
    /// Make `record` durable (fsync) — see the ordering contract on [`Outbox`].
    Persist(R),
    /// Send `msg` to peer `to`. Delivery may be late, reordered, duplicated
    /// or never: cores retransmit what they need.
    Send {
        to: NodeId,
        msg: M,
    },
    /// `command` is committed at `zxid`: apply it to the state machine.
    Commit {
        zxid: Zxid,
        command: Command,
    },
    /// Call `on_timer(timer)` after `after` ticks, replacing any earlier
    /// setting of the same timer.
    SetTimer {
        timer: T,
        after: Ticks,
    },
    CancelTimer(T),
    /// Stream the host's state-machine snapshot to peer `to`, which lags
    /// behind what this core has compacted. The receiving host installs it
    /// and calls its core's `snapshot_installed`.
    SendSnapshot {
        to: NodeId,
    },
    /// The role or leader changed; `status()` now returns this.
    StatusChanged(Status),
    /// `command`, proposed on this node, will not be ordered: tell its client.
    Rejected {
        command: Command,
        reason: RejectReason,
    },
}

/// The actions one input produced, to be performed by the host in order.
///
/// # The ordering contract
///
/// This is the one place it is written down; every host (the runtime, the
/// simulator, the stateright adapter) keeps it and every core relies on it:
///
/// 1. **Persist before send.** Every [`Action::Persist`] of a batch is
///    durable before any later [`Action::Send`] of the same batch leaves the
///    node. A promise or an acknowledgement is never seen by a peer before
///    it would survive a crash of this node. A host may group the records of
///    several batches under one fsync (etcd-raft's Ready loop) as long as it
///    sends nothing of those batches before the fsync returns.
/// 2. **Persist before acknowledging a commit.** A host answers no client
///    for a [`Action::Commit`] until the `Persist`s before it are durable.
/// 3. **Commits are exactly once, in order, everywhere.** On each node
///    `Commit` actions arrive at most once per zxid, in strictly increasing
///    zxid order, and the sequence of commits is the same on every node:
///    one node's sequence is a prefix of another's (a node that installs a
///    snapshot skips to the snapshot's zxid). Protocol-internal entries
///    (Multi-Paxos no-ops) are never committed. A command may be committed
///    at two zxids when a protocol re-proposes it after a leader change;
///    the host's state machine deduplicates by its own request ids.
/// 4. **Timers are named.** A core sets and cancels its own timers and
///    never counts ticks itself; setting a timer again re-arms it.
/// 5. **Proposals are never dropped silently.** A proposal is eventually
///    committed, or handed back with [`Action::Rejected`], unless the node
///    crashes first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Outbox<M, T, R> {
    actions: Vec<Action<M, T, R>>,
}

impl<M, T, R> Default for Outbox<M, T, R> {
    fn default() -> Self {
        Outbox {
            actions: Vec::new(),
        }
    }
}

impl<M, T, R> Outbox<M, T, R> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, action: Action<M, T, R>) {
        self.actions.push(action);
    }

    pub fn persist(&mut self, record: R) {
        self.push(Action::Persist(record));
    }

    pub fn send(&mut self, to: NodeId, msg: M) {
        self.push(Action::Send { to, msg });
    }

    pub fn commit(&mut self, zxid: Zxid, command: Command) {
        self.push(Action::Commit { zxid, command });
    }

    pub fn set_timer(&mut self, timer: T, after: Ticks) {
        self.push(Action::SetTimer { timer, after });
    }

    pub fn cancel_timer(&mut self, timer: T) {
        self.push(Action::CancelTimer(timer));
    }

    pub fn actions(&self) -> &[Action<M, T, R>] {
        &self.actions
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Takes every action out, leaving the outbox empty for the next input.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Action<M, T, R>> {
        self.actions.drain(..)
    }

    pub fn take(&mut self) -> Vec<Action<M, T, R>> {
        std::mem::take(&mut self.actions)
    }
}

/// The outbox type of core `C`.
pub type OutboxOf<C> = Outbox<<C as Core>::Msg, <C as Core>::Timer, RecordOf<C>>;
/// The action type of core `C`.
pub type ActionOf<C> = Action<<C as Core>::Msg, <C as Core>::Timer, RecordOf<C>>;
/// The persisted record type of core `C`.
pub type RecordOf<C> = <<C as Core>::Durable as Durable>::Record;

/// A consensus core. The value *is* the node's whole protocol state, so a
/// model checker can clone, compare and hash it; keep collections in
/// `BTreeMap`/`BTreeSet` so that equal states hash equally.
pub trait Core: Clone + Debug + Eq + Hash + Send + Sync + 'static {
    /// The protocol's peer messages, named as in its paper.
    type Msg: Wire;
    /// The core's named timers.
    type Timer: Wire;
    /// What it persists, and what a restart rebuilds it from.
    type Durable: Durable;

    /// The protocol's name as `--protocol` spells it.
    const NAME: &'static str;

    /// Builds node `id` of `config` from what it persisted. Emits the
    /// timers it needs from the start.
    fn new(
        id: NodeId,
        config: ClusterConfig,
        recovered: Recovered<Self::Durable>,
        out: &mut OutboxOf<Self>,
    ) -> Self;

    /// A client command submitted at this node.
    fn propose(&mut self, command: Command, out: &mut OutboxOf<Self>);

    /// A message from peer `from`.
    fn on_message(&mut self, from: NodeId, msg: Self::Msg, out: &mut OutboxOf<Self>);

    /// A timer this core set has fired.
    fn on_timer(&mut self, timer: Self::Timer, out: &mut OutboxOf<Self>);

    /// The host's state machine holds a snapshot of every commit up to
    /// `upto`: the core may forget (and persist that it forgot) what it
    /// keeps for those zxids.
    fn compact(&mut self, upto: Zxid, out: &mut OutboxOf<Self>);

    /// The host installed a snapshot (received after a `SendSnapshot` from
    /// a peer) that holds every commit up to `at`: the core continues
    /// after it and commits nothing at or below it.
    fn snapshot_installed(&mut self, at: Zxid, out: &mut OutboxOf<Self>);

    fn status(&self) -> Status;

    /// This node's id.
    fn id(&self) -> NodeId;
}
