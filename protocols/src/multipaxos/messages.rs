//! What Multi-Paxos nodes say to each other, and the timers they set.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ballot::Ballot;
use crate::contract::Command;
use crate::types::Zxid;

/// A log position. Slots start at 1 and a slot is the counter of the zxid
/// its entry commits at, so slots are as wide as that counter.
pub type Slot = u32;

/// The value of one slot: a client command, or a no-op that fills a hole.
///
/// `epoch` is the round of the leader that *first* proposed the entry; a
/// re-proposal after a leader change keeps it, and a hole's no-op carries
/// the filling leader's round. The zxid of slot `s` is built from the
/// largest `epoch` among the chosen entries up to `s`, which every node
/// computes alike.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entry {
    pub epoch: u32,
    /// `None` is a no-op: chosen like any value, never handed to the host.
    pub command: Option<Command>,
}

impl Entry {
    pub fn noop(epoch: u32) -> Entry {
        Entry {
            epoch,
            command: None,
        }
    }

    pub fn command(epoch: u32, command: Command) -> Entry {
        Entry {
            epoch,
            command: Some(command),
        }
    }
}

/// An acceptor's vote for a slot: the entry it accepted and the ballot it
/// accepted it in (the paper's "pvalue", minus the slot that keys it).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Vote {
    pub ballot: Ballot,
    pub entry: Entry,
}

/// Peer messages, named as in Paxos Made Simple (phase 1a/1b, 2a/2b) with
/// the learner and catch-up messages of a practical Multi-Paxos.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Msg {
    /// Phase 1a, once per ballot for every slot from `first` on.
    Prepare { ballot: Ballot, first: Slot },
    /// Phase 1b: the acceptor promised `ballot`; here is every vote it holds
    /// from the prepare's `first` slot on, and the zxid up to which it has
    /// forgotten its votes (those slots are chosen, their values are in the
    /// host's snapshot).
    Promise {
        ballot: Ballot,
        votes: BTreeMap<Slot, Vote>,
        compacted: Zxid,
    },
    /// The acceptor has promised `promised`, above the ballot it was asked
    /// to promise or accept in: the sender is pre-empted.
    Nack { promised: Ballot },
    /// Phase 2a for one slot; many slots are in flight at once.
    Accept {
        ballot: Ballot,
        slot: Slot,
        entry: Entry,
    },
    /// Phase 2b.
    Accepted { ballot: Ballot, slot: Slot },
    /// The leader of `ballot` knows every slot up to `upto` is chosen, and
    /// every slot it proposed in `ballot` up to `upto` was chosen in
    /// `ballot`. Doubles as the leader's heartbeat.
    Chosen { ballot: Ballot, upto: Slot },
    /// A follower's answer to `Chosen` when it committed every slot the
    /// leader named: a sign of life for the leader's check-quorum.
    Learned { ballot: Ballot, upto: Slot },
    /// "I have committed up to `upto` and lack what follows": a follower
    /// whose votes could not complete the chosen prefix, or one that just
    /// installed a snapshot or applied a catch-up batch. The receiver sends
    /// the chosen entries it has after `upto`, or a snapshot.
    Behind { ballot: Ballot, upto: Slot },
    /// Chosen entries for a lagging replica, contiguous from its `upto + 1`,
    /// each with a ballot it was chosen in.
    CatchUp {
        ballot: Ballot,
        entries: BTreeMap<Slot, Vote>,
    },
    /// A proposal a non-leader hands to the leader it knows.
    Forward { command: Command },
}

/// The core's named timers (see the ordering contract, rule 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Timer {
    /// Follower or candidate: no word from a leader for a while; campaign.
    Election,
    /// Leader: send `Chosen` to every peer and retransmit unanswered accepts.
    Heartbeat,
    /// Leader: step down unless a quorum answered since the last firing.
    CheckQuorum,
    /// Follower: forward again the proposals not yet seen committed, in
    /// case a `Forward` was lost.
    Reforward,
}
