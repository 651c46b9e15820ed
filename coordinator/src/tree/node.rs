//! One znode as the tree stores it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::acl::Acl;
use crate::event::SessionId;
use crate::stat::{Stat, StatPersisted};

/// What kind of znode this is; decides who removes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum NodeKind {
    Persistent,
    /// Removed when the owning session closes or expires.
    Ephemeral(SessionId),
    /// Removed by clean-up once it has had children and is empty again.
    Container,
    /// Removed by clean-up once empty and unmodified for `ttl` ms.
    Ttl(i64),
}

impl NodeKind {
    /// `Stat.ephemeralOwner` as clients see it: containers and TTL nodes,
    /// which ZooKeeper encodes in the owner field internally, show 0.
    pub fn ephemeral_owner(self) -> SessionId {
        match self {
            NodeKind::Ephemeral(s) => s,
            _ => 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Node {
    /// `None` is null data, distinct from empty.
    pub data: Option<Vec<u8>>,
    pub acl: Vec<Acl>,
    pub stat: StatPersisted,
    pub kind: NodeKind,
    /// Names of the direct children.
    pub children: BTreeSet<String>,
}

impl Node {
    pub fn new(data: Option<Vec<u8>>, acl: Vec<Acl>, stat: StatPersisted, kind: NodeKind) -> Node {
        Node {
            data,
            acl,
            stat,
            kind,
            children: BTreeSet::new(),
        }
    }

    pub fn data_len(&self) -> usize {
        self.data.as_ref().map_or(0, Vec::len)
    }

    /// The client-visible stat.
    pub fn stat(&self) -> Stat {
        self.stat.to_stat(
            self.kind.ephemeral_owner(),
            self.data_len(),
            self.children.len(),
        )
    }
}
