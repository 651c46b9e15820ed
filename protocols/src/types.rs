//! Types shared by every protocol and by the hosts that drive them.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A server's identity: ZooKeeper's `myid`, the `N` of `server.N=…`.
pub type NodeId = u64;

/// A duration measured in ticks. The runtime maps one tick to a fixed
/// fraction of `tickTime`; the simulator to one step of simulated time;
/// stateright ignores durations and lets any armed timer fire at any moment.
pub type Ticks = u32;

/// ZooKeeper's transaction id: `epoch << 32 | counter`, the total order of
/// committed commands. Printed the way ZooKeeper prints it (`0x100000003`).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Zxid(pub u64);

impl Zxid {
    pub const ZERO: Zxid = Zxid(0);

    pub fn new(epoch: u32, counter: u32) -> Zxid {
        Zxid(((epoch as u64) << 32) | counter as u64)
    }

    pub fn epoch(self) -> u32 {
        (self.0 >> 32) as u32
    }

    pub fn counter(self) -> u32 {
        self.0 as u32
    }
}

impl fmt::Display for Zxid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl fmt::Debug for Zxid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// What a server is doing in its protocol, as `zkServer.sh status` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Looking for a leader (Zab's LOOKING, a Multi-Paxos candidate or a
    /// node that has not heard from any leader).
    Looking,
    Follower,
    Leader,
    /// A member of a leaderless protocol (basic Paxos): every server proposes.
    Peer,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Looking => "looking",
            Role::Follower => "follower",
            Role::Leader => "leader",
            Role::Peer => "peer",
        })
    }
}

/// A core's answer to `status()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Status {
    pub role: Role,
    pub leader: Option<NodeId>,
    /// The protocol's epoch: Multi-Paxos's ballot round, Zab's current epoch.
    pub epoch: u32,
    pub last_committed: Zxid,
}

/// The static configuration of an ensemble. Timeouts are in ticks, the way
/// zoo.cfg gives `initLimit` and `syncLimit` in units of `tickTime`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ClusterConfig {
    /// Every voting member, this node included.
    pub members: BTreeSet<NodeId>,
    /// Ticks between a leader's heartbeats.
    pub heartbeat: Ticks,
    /// Ticks of silence after which a follower suspects its leader (and a
    /// leader that heard from no quorum steps down): zoo.cfg's `syncLimit`.
    pub sync_limit: Ticks,
    /// Ticks a node may spend electing, discovering and synchronizing:
    /// zoo.cfg's `initLimit`.
    pub init_limit: Ticks,
    /// Seed of the per-node jitter generator (mixed with the node's id), so
    /// runs replay exactly.
    pub seed: u64,
}

impl ClusterConfig {
    /// A configuration with ZooKeeper's sample values (initLimit 10,
    /// syncLimit 5) and a heartbeat every tick.
    pub fn new(members: impl IntoIterator<Item = NodeId>) -> ClusterConfig {
        ClusterConfig {
            members: members.into_iter().collect(),
            heartbeat: 1,
            sync_limit: 5,
            init_limit: 10,
            seed: 0,
        }
    }

    /// How many members make a majority.
    pub fn quorum(&self) -> usize {
        self.members.len() / 2 + 1
    }

    pub fn is_quorum(&self, voters: &BTreeSet<NodeId>) -> bool {
        voters.iter().filter(|v| self.members.contains(v)).count() >= self.quorum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zxid_splits_into_epoch_and_counter_and_prints_like_zookeeper() {
        let z = Zxid::new(1, 3);
        assert_eq!((z.epoch(), z.counter()), (1, 3));
        assert_eq!(z.to_string(), "0x100000003");
        assert_eq!(Zxid::ZERO.to_string(), "0x0");
    }

    #[test]
    fn quorum_is_a_strict_majority() {
        assert_eq!(ClusterConfig::new([1, 2, 3]).quorum(), 2);
        assert_eq!(ClusterConfig::new([1, 2, 3, 4]).quorum(), 3);
        let c = ClusterConfig::new([1, 2, 3, 4, 5]);
        assert!(c.is_quorum(&[1, 4, 5].into()));
        assert!(!c.is_quorum(&[1, 9, 5].into()));
    }
}
