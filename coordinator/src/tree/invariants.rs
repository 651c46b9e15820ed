//! Structural invariants of the tree, for tests (and for paranoid hosts
//! after installing a snapshot).

use std::collections::BTreeSet;

use crate::path;

use super::{DataTree, NodeKind};

impl DataTree {
    /// Checks that the tree is well formed: the four initial nodes exist;
    /// every node's parent exists, lists it, and is not ephemeral; every
    /// listed child exists; the ephemeral, container and TTL indexes match
    /// the nodes; every ephemeral's owner is a live session. Returns the
    /// first violation found.
    pub fn check_invariants(&self) -> Result<(), String> {
        for p in [path::ROOT, path::ZOOKEEPER, path::QUOTA, path::CONFIG] {
            if !self.nodes.contains_key(p) {
                return Err(format!("{p} missing"));
            }
        }
        let mut ephemerals: BTreeSet<(i64, &str)> = BTreeSet::new();
        let mut containers = BTreeSet::new();
        let mut ttls = BTreeSet::new();
        for (p, n) in &self.nodes {
            if p != path::ROOT {
                let parent = self
                    .nodes
                    .get(path::parent(p))
                    .ok_or_else(|| format!("{p} has no parent"))?;
                if !parent.children.contains(path::name(p)) {
                    return Err(format!("{p} not listed by its parent"));
                }
                if matches!(parent.kind, NodeKind::Ephemeral(_)) {
                    return Err(format!("{p} is the child of an ephemeral"));
                }
            }
            for c in &n.children {
                if !self.nodes.contains_key(&path::join(p, c)) {
                    return Err(format!("{p} lists missing child {c}"));
                }
            }
            match n.kind {
                NodeKind::Ephemeral(s) => {
                    if !self.sessions.contains_key(&s) {
                        return Err(format!("{p} owned by dead session {s:#x}"));
                    }
                    ephemerals.insert((s, p.as_str()));
                }
                NodeKind::Container => {
                    containers.insert(p.clone());
                }
                NodeKind::Ttl(_) => {
                    ttls.insert(p.clone());
                }
                NodeKind::Persistent => {}
            }
        }
        let indexed: BTreeSet<(i64, &str)> = self
            .sessions
            .values()
            .flat_map(|s| s.ephemerals.iter().map(move |p| (s.id, p.as_str())))
            .collect();
        if indexed != ephemerals {
            return Err("session ephemeral index disagrees with the nodes".to_string());
        }
        if containers != self.containers || ttls != self.ttls {
            return Err("container/TTL index disagrees with the nodes".to_string());
        }
        if let Some(s) = self.sessions.iter().find(|(id, s)| **id != s.id) {
            return Err(format!("session keyed {:#x} has id {:#x}", s.0, s.1.id));
        }
        Ok(())
    }
}
