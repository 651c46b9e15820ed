//! A znode's metadata: ZooKeeper's eleven `Stat` fields as clients see them,
//! and the persisted form they are computed from.

use serde::{Deserialize, Serialize};

/// The `Stat` record of the wire protocol, field for field (jute types).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Stat {
    /// zxid of the create.
    pub czxid: i64,
    /// zxid of the last setData (== czxid until the first one).
    pub mzxid: i64,
    /// Proposer's wall clock (ms since the epoch) at the create.
    pub ctime: i64,
    /// Proposer's wall clock at the last setData.
    pub mtime: i64,
    /// dataVersion: +1 per setData.
    pub version: i32,
    /// Creates plus deletes of direct children (see [`StatPersisted`]).
    pub cversion: i32,
    /// aclVersion: +1 per setACL.
    pub aversion: i32,
    /// The owning session of an ephemeral node, else 0.
    pub ephemeral_owner: i64,
    /// Length of the data (0 for null data).
    pub data_length: i32,
    pub num_children: i32,
    /// zxid of the last create or delete of a direct child (== czxid initially).
    pub pzxid: i64,
}

/// ZooKeeper's `StatPersisted`: what the tree stores. `cversion` here is the
/// internal counter of child creates; it names sequential children, and
/// clients see `2 × cversion − numChildren` (creates plus deletes), exactly as
/// `DataNode.copyStat` reports it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct StatPersisted {
    pub czxid: i64,
    pub mzxid: i64,
    pub ctime: i64,
    pub mtime: i64,
    pub version: i32,
    pub cversion: i32,
    pub aversion: i32,
    pub pzxid: i64,
}

impl StatPersisted {
    /// The stat of a node created at `zxid` at `time_ms`.
    pub fn created(zxid: i64, time_ms: i64) -> StatPersisted {
        StatPersisted {
            czxid: zxid,
            mzxid: zxid,
            ctime: time_ms,
            mtime: time_ms,
            version: 0,
            cversion: 0,
            aversion: 0,
            pzxid: zxid,
        }
    }

    /// The client-visible stat.
    pub fn to_stat(&self, ephemeral_owner: i64, data_length: usize, num_children: usize) -> Stat {
        let num_children = i32::try_from(num_children).unwrap_or(i32::MAX);
        Stat {
            czxid: self.czxid,
            mzxid: self.mzxid,
            ctime: self.ctime,
            mtime: self.mtime,
            version: self.version,
            cversion: self.cversion.wrapping_mul(2).wrapping_sub(num_children),
            aversion: self.aversion,
            ephemeral_owner,
            data_length: i32::try_from(data_length).unwrap_or(i32::MAX),
            num_children,
            pzxid: self.pzxid,
        }
    }
}
