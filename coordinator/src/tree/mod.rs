//! The znode tree and session table: ZooKeeper's `DataTree` plus the
//! session part of its `ZKDatabase`, as one deterministic state machine.
//!
//! Writes go through [`DataTree::apply`] (one command at one zxid); reads
//! are plain methods (see `ops::read`). Every mutation of an apply goes
//! through a [`txn::Txn`] that records how to undo it, so a failing command
//! — a multi's third op, say — leaves the tree exactly as it was.

mod apply;
mod invariants;
pub mod node;
pub(crate) mod txn;

use std::collections::{BTreeMap, BTreeSet};

use protocols::Zxid;

use crate::acl::Acl;
use crate::config::TreeConfig;
use crate::event::SessionId;
use crate::path;
use crate::session::Session;
use crate::stat::StatPersisted;

pub use node::{Node, NodeKind};

/// The replicated state machine.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DataTree {
    pub(crate) config: TreeConfig,
    pub(crate) nodes: BTreeMap<String, Node>,
    pub(crate) sessions: BTreeMap<SessionId, Session>,
    /// Index of container nodes, for clean-up.
    pub(crate) containers: BTreeSet<String>,
    /// Index of TTL nodes, for clean-up.
    pub(crate) ttls: BTreeSet<String>,
    /// The zxid of the last applied command.
    pub(crate) last_zxid: Zxid,
}

impl Default for DataTree {
    fn default() -> DataTree {
        DataTree::new(TreeConfig::default())
    }
}

impl DataTree {
    /// A fresh tree as a new ZooKeeper 3.8 server has it: `/`, `/zookeeper`,
    /// `/zookeeper/quota` and `/zookeeper/config` (read-only, aversion -1),
    /// every stat zero.
    pub fn new(config: TreeConfig) -> DataTree {
        let mut tree = DataTree {
            config,
            nodes: BTreeMap::new(),
            sessions: BTreeMap::new(),
            containers: BTreeSet::new(),
            ttls: BTreeSet::new(),
            last_zxid: Zxid::ZERO,
        };
        let empty = || Some(Vec::new());
        let zero = StatPersisted::default();
        let config_stat = StatPersisted {
            aversion: -1,
            ..zero
        };
        for (p, acl, stat) in [
            (path::ROOT, Acl::open_unsafe(), zero),
            (path::ZOOKEEPER, Acl::open_unsafe(), zero),
            (path::QUOTA, Acl::open_unsafe(), zero),
            (path::CONFIG, Acl::read_unsafe(), config_stat),
        ] {
            tree.nodes.insert(
                p.to_string(),
                Node::new(empty(), acl, stat, NodeKind::Persistent),
            );
            if p != path::ROOT
                && let Some(parent) = tree.nodes.get_mut(path::parent(p))
            {
                parent.children.insert(path::name(p).to_string());
            }
        }
        tree
    }

    pub fn config(&self) -> &TreeConfig {
        &self.config
    }

    /// The zxid of the last command applied (or of the installed snapshot).
    pub fn last_zxid(&self) -> Zxid {
        self.last_zxid
    }

    /// Number of znodes, root included. (ZooKeeper's `srvr` counts one more:
    /// its alias `""` of the root.)
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn node(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// Every znode, in path order.
    pub fn nodes(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(p, n)| (p.as_str(), n))
    }

    pub fn session(&self, id: SessionId) -> Option<&Session> {
        self.sessions.get(&id)
    }

    /// Every live session, in id order.
    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.sessions.values()
    }

    /// Adds a node to the secondary indexes (session ephemerals, containers,
    /// TTL nodes).
    pub(crate) fn index(&mut self, path: &str, kind: NodeKind) {
        match kind {
            NodeKind::Persistent => {}
            NodeKind::Ephemeral(s) => {
                if let Some(session) = self.sessions.get_mut(&s) {
                    session.ephemerals.insert(path.to_string());
                }
            }
            NodeKind::Container => {
                self.containers.insert(path.to_string());
            }
            NodeKind::Ttl(_) => {
                self.ttls.insert(path.to_string());
            }
        }
    }

    pub(crate) fn unindex(&mut self, path: &str, kind: NodeKind) {
        match kind {
            NodeKind::Persistent => {}
            NodeKind::Ephemeral(s) => {
                if let Some(session) = self.sessions.get_mut(&s) {
                    session.ephemerals.remove(path);
                }
            }
            NodeKind::Container => {
                self.containers.remove(path);
            }
            NodeKind::Ttl(_) => {
                self.ttls.remove(path);
            }
        }
    }
}
