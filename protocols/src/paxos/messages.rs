//! What basic-Paxos nodes say to each other (the seed's Prepare, Promise,
//! Propose/Accept, Accepted and the learners' Decided), and their timers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::multipaxos::Ballot as ProposalId;

use crate::contract::Command;

/// A log position: one single-decree Paxos instance. Slots start at 1.
/// The `i`-th command (from 1) of the batch slot `s` decides commits at
/// `Zxid::new(s, i)`: the slot is the zxid's high half, so zxids follow
/// slot order.
pub type Slot = u32;

/// The value a slot decides.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Value {
    /// A batch of client commands (never empty): the head of the queue of
    /// the proposer that first proposed it, in the order its clients
    /// submitted them. One slot carries many commands, as a round trip
    /// costs the same for one command or sixty.
    Commands(Vec<Command>),
    /// Fills a slot whose proposer vanished, so later slots can commit;
    /// nothing of it is handed to the host (contract rule 3).
    Noop,
}

impl Value {
    /// The commands of the batch, none for a no-op.
    pub fn commands(&self) -> &[Command] {
        match self {
            Value::Commands(c) => c,
            Value::Noop => &[],
        }
    }
}

/// An acceptor's answer about what it accepted: the value and the
/// proposal id it accepted it under.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Accepted {
    pub id: ProposalId,
    pub value: Value,
}

/// Peer messages. Every instance message names its slot.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Msg {
    /// Phase 1a: "promise me `id` in `slot`". No value travels with it.
    Prepare { slot: Slot, id: ProposalId },
    /// Phase 1b: the two promises are made; the one answer is the accepted
    /// proposal with the highest id, if any.
    Promise {
        slot: Slot,
        id: ProposalId,
        accepted: Option<Accepted>,
    },
    /// Phase 2a (the seed's "Propose"): accept `value` under `id`.
    Accept {
        slot: Slot,
        id: ProposalId,
        value: Value,
    },
    /// Phase 2b: the acceptor accepted (and persisted) `id` in `slot`.
    Accepted { slot: Slot, id: ProposalId },
    /// The acceptor refused `id` (a prepare or an accept) because it has
    /// promised the higher `promised`: the proposer is pre-empted.
    Nack {
        slot: Slot,
        id: ProposalId,
        promised: ProposalId,
    },
    /// Learners: these slots are decided with these values. Sent by the
    /// proposer that won, in answer to an instance message about a slot
    /// the receiver knows decided, and to catch a lagging node up.
    Decided { values: BTreeMap<Slot, Value> },
    /// "I have committed every slot up to `committed`", sent by every node
    /// every `Resync`, and every tick while it may lag. A peer that knows more answers with `Decided` (or has
    /// its host stream a snapshot).
    Progress { committed: Slot },
}

impl Msg {
    /// The instance a message is about, if it is an instance message.
    pub fn slot(&self) -> Option<Slot> {
        match self {
            Msg::Prepare { slot, .. }
            | Msg::Promise { slot, .. }
            | Msg::Accept { slot, .. }
            | Msg::Accepted { slot, .. }
            | Msg::Nack { slot, .. } => Some(*slot),
            Msg::Decided { .. } | Msg::Progress { .. } => None,
        }
    }
}

/// The core's named timers (contract rule 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Timer {
    /// Every `heartbeat` ticks: re-send the running instance's unanswered
    /// messages, and broadcast `Progress` if this node may lag.
    Tick,
    /// The randomized wait after a pre-emption is over: start phase 1 again.
    Retry,
    /// Every `sync_limit` ticks: broadcast `Progress`, fill a stalled gap;
    /// peers may be sent a snapshot again (one sent earlier may be lost).
    Resync,
}
