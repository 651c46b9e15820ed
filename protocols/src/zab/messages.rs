//! What Zab servers say to each other, and the timers they set. Message
//! names follow ZooKeeper's `Zab.tla` (CEPOCH, NEWEPOCH, ACKEPOCH,
//! NEWLEADER, ACKLD, COMMITLD, PROPOSE, ACK, COMMIT) plus fast leader
//! election's notification, the leader's PING and a follower's forwarded
//! request (ZooKeeper's REQUEST).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::contract::Command;
use crate::types::{NodeId, Zxid};

/// A fast-leader-election vote: "`leader` should lead; its history is
/// `(epoch, zxid)`". The derived order follows the field order, which is
/// FLE's `totalOrderPredicate`: epoch first, then last zxid, then server id.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Vote {
    /// The candidate's current epoch (ZooKeeper's `peerEpoch`).
    pub epoch: u32,
    /// The candidate's last logged zxid.
    pub zxid: Zxid,
    pub leader: NodeId,
}

/// What the sender of a notification is doing (FLE's `ServerState`): a
/// LOOKING newcomer learns of an established leader from the FOLLOWING and
/// LEADING peers that answer it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PeerState {
    Looking,
    Following,
    Leading,
}

/// How NEWLEADER brings a follower's history in line with the leader's
/// (ZooKeeper's DIFF and TRUNC; SNAP goes through the host, as
/// `Action::SendSnapshot`, before any NEWLEADER).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Sync {
    /// The follower's history ends at `base`, which the leader has: append
    /// `entries`.
    Diff {
        base: Zxid,
        entries: BTreeMap<Zxid, Command>,
    },
    /// The follower holds proposals after `base` that the leader does not:
    /// drop them, then append `entries`.
    Trunc {
        base: Zxid,
        entries: BTreeMap<Zxid, Command>,
    },
}

impl Sync {
    pub fn base(&self) -> Zxid {
        match self {
            Sync::Diff { base, .. } | Sync::Trunc { base, .. } => *base,
        }
    }

    pub fn entries(&self) -> &BTreeMap<Zxid, Command> {
        match self {
            Sync::Diff { entries, .. } | Sync::Trunc { entries, .. } => entries,
        }
    }
}

/// Peer messages. `epoch` is always the epoch of the leader the message
/// belongs to, so a stale one is recognised and ignored.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Msg {
    /// Fast leader election: the sender's vote in election round `round`
    /// (ZooKeeper's `logicalclock`) and what it is doing.
    Notification {
        vote: Vote,
        round: u32,
        state: PeerState,
    },
    /// Follower → prospective leader: the last epoch it accepted.
    CEpoch { accepted_epoch: u32 },
    /// Leader → follower: the epoch it proposes to establish.
    NewEpoch { epoch: u32 },
    /// Follower → leader: it accepted `epoch` (persisted); its history is
    /// `(current_epoch, last)`. `fresh` is false when the follower had
    /// already accepted `epoch` before (a re-sync, or another leader of the
    /// same epoch): such an ack does not count towards establishing the
    /// epoch (ZooKeeper sends currentEpoch -1 for it).
    AckEpoch {
        epoch: u32,
        current_epoch: u32,
        last: Zxid,
        fresh: bool,
    },
    /// Leader → follower: the leader's history, as the way to reach it
    /// from the follower's (`sync`), ending at `last`; everything up to
    /// `committed` is committed.
    NewLeader {
        epoch: u32,
        sync: Sync,
        last: Zxid,
        committed: Zxid,
    },
    /// Follower → leader: its history now equals the leader's up to `last`.
    AckLd { epoch: u32, last: Zxid },
    /// Leader → follower: a quorum holds the new epoch's initial history;
    /// commit up to `committed` and start broadcast.
    CommitLd { epoch: u32, committed: Zxid },
    /// A proposal, in zxid order.
    Propose {
        epoch: u32,
        zxid: Zxid,
        command: Command,
    },
    /// Follower → leader: it holds every proposal up to `zxid` (FIFO
    /// channels make an ACK cover every earlier proposal too).
    Ack { epoch: u32, zxid: Zxid },
    /// Leader → follower: every proposal up to `zxid` is committed.
    Commit { epoch: u32, zxid: Zxid },
    /// Leader → follower heartbeat, with the commit point (so a lost
    /// COMMIT does no lasting harm). Followers answer with an ACK.
    Ping { epoch: u32, committed: Zxid },
    /// Follower → leader: a client's write, for the leader to propose.
    Forward { command: Command },
}

/// The core's named timers (contract rule 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Timer {
    /// LOOKING: send the notification again (seeded jitter).
    Notify,
    /// FOLLOWING or LEADING before broadcast: discovery and synchronization
    /// took `init_limit` ticks; give up and look again.
    Init,
    /// Follower before broadcast: send the current phase's message again
    /// (CEPOCH, ACKEPOCH or ACKLD), in case it was lost.
    Resend,
    /// Leader: PING every follower, and send again proposals a follower has
    /// not acknowledged.
    Heartbeat,
    /// Leader: go back to LOOKING unless a quorum was heard from since the
    /// last firing (`sync_limit`).
    CheckQuorum,
    /// Follower in broadcast: nothing from the leader for `sync_limit`.
    LeaderSilent,
    /// Follower: forward again the writes not yet seen committed.
    Reforward,
}

impl std::fmt::Display for PeerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PeerState::Looking => "LOOKING",
            PeerState::Following => "FOLLOWING",
            PeerState::Leading => "LEADING",
        })
    }
}
