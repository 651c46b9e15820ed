//! The state each role keeps: FLE's tallies while LOOKING, the follower's
//! phase, the leader's phase and its view of every learner.

use std::collections::{BTreeMap, BTreeSet};

use super::messages::{PeerState, Vote};
use crate::contract::Command;
use crate::types::{NodeId, Zxid};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum RoleState {
    Looking(Election),
    Following(FollowerState),
    Leading(LeaderState),
}

/// FLE's tallies for the current round.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Election {
    /// `recvset`: the votes of this round, this server's own included.
    pub(super) received: BTreeMap<NodeId, Vote>,
    /// `outofelection`: votes of FOLLOWING and LEADING peers, any round.
    pub(super) settled: BTreeMap<NodeId, (Vote, PeerState, u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct FollowerState {
    pub(super) leader: NodeId,
    pub(super) phase: FollowerPhase,
    /// Whether our ACKEPOCH to this leader counts (we accepted its epoch
    /// afresh); every re-send says the same.
    pub(super) fresh: bool,
    /// Proposals that arrived ahead of a missing one (the channel
    /// reordered or lost something), up to [`MAX_AHEAD`]; logged once the
    /// gap fills. Empty on a FIFO channel.
    pub(super) ahead: BTreeMap<Zxid, Command>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum FollowerPhase {
    /// CEPOCH sent, waiting for NEWEPOCH.
    Discovery,
    /// ACKEPOCH sent (epoch = accepted epoch), waiting for NEWLEADER (or a
    /// snapshot first).
    AwaitNewLeader,
    /// ACKLD sent: history equals the leader's; waiting for COMMITLD.
    Synced,
    Broadcast,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct LeaderState {
    pub(super) phase: LeaderPhase,
    /// The epoch being established (0 until chosen in discovery).
    pub(super) epoch: u32,
    pub(super) peers: BTreeMap<NodeId, Peer>,
    /// Writes forwarded or proposed here before broadcast started.
    pub(super) queued: Vec<Command>,
    /// Followers that acknowledged something of this epoch since the last
    /// `CheckQuorum` (any other message proves nothing about following us).
    pub(super) heard: BTreeSet<NodeId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum LeaderPhase {
    /// Collecting CEPOCHs.
    Discovery,
    /// NEWEPOCH sent; collecting counting ACKEPOCHs.
    AwaitAckEpoch,
    /// Initial history established; collecting ACKLDs.
    AwaitAckLd,
    Broadcast,
}

/// The leader's view of one learner (ZooKeeper's `LearnerHandler`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Peer {
    pub(super) phase: PeerPhase,
    /// How far its history is known to equal the leader's.
    pub(super) acked: Zxid,
    /// `acked` at the previous heartbeat: a follower that made no progress
    /// for a whole heartbeat gets its missing proposals again.
    pub(super) acked_before: Zxid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum PeerPhase {
    /// Sent CEPOCH with this accepted epoch.
    CEpoch(u32),
    /// NEWEPOCH sent.
    NewEpochSent,
    /// ACKEPOCH received: its history ends at `last`; `fresh` as in the
    /// message.
    AckedEpoch { last: Zxid, fresh: bool },
    /// The host streams it a snapshot, asked for when its history ended at
    /// `last`; it acks the epoch again from the snapshot.
    Snapshot { last: Zxid },
    /// NEWLEADER sent.
    Syncing,
    /// ACKLD received: it takes part in broadcast.
    Active,
}
