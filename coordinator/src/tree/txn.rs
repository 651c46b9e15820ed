//! The only way an apply mutates the tree: small steps, each recording its
//! inverse, so that a failed command (or an aborted multi) rolls back.

use protocols::Zxid;

use crate::acl::Acl;
use crate::event::{EventType, Trigger};
use crate::path;
use crate::stat::StatPersisted;

use super::{DataTree, Node};

enum Undo {
    Inserted(String),
    Removed(String, Node),
    Stat(String, StatPersisted),
    Data(String, Option<Vec<u8>>, StatPersisted),
    Acl(String, Vec<Acl>, StatPersisted),
    Linked(String, String),
    Unlinked(String, String),
}

/// One command's changes in progress.
pub(crate) struct Txn<'a> {
    pub tree: &'a mut DataTree,
    pub zxid: Zxid,
    undo: Vec<Undo>,
    pub triggers: Vec<Trigger>,
}

impl<'a> Txn<'a> {
    pub fn new(tree: &'a mut DataTree, zxid: Zxid) -> Txn<'a> {
        Txn {
            tree,
            zxid,
            undo: Vec::new(),
            triggers: Vec::new(),
        }
    }

    /// The zxid as stats store it.
    pub fn zxid_i64(&self) -> i64 {
        self.zxid.0 as i64
    }

    fn trigger(&mut self, path: &str, event: EventType) {
        self.triggers.push(Trigger {
            path: path.to_string(),
            event,
            zxid: self.zxid,
        });
    }

    /// Undoes every step so far and drops the triggers.
    pub fn rollback(&mut self) {
        while let Some(step) = self.undo.pop() {
            let tree = &mut *self.tree;
            match step {
                Undo::Inserted(p) => {
                    if let Some(node) = tree.nodes.remove(&p) {
                        tree.unindex(&p, node.kind);
                    }
                }
                Undo::Removed(p, node) => {
                    tree.index(&p, node.kind);
                    tree.nodes.insert(p, node);
                }
                Undo::Stat(p, stat) => {
                    if let Some(n) = tree.nodes.get_mut(&p) {
                        n.stat = stat;
                    }
                }
                Undo::Data(p, data, stat) => {
                    if let Some(n) = tree.nodes.get_mut(&p) {
                        n.data = data;
                        n.stat = stat;
                    }
                }
                Undo::Acl(p, acl, stat) => {
                    if let Some(n) = tree.nodes.get_mut(&p) {
                        n.acl = acl;
                        n.stat = stat;
                    }
                }
                Undo::Linked(parent, name) => {
                    if let Some(n) = tree.nodes.get_mut(&parent) {
                        n.children.remove(&name);
                    }
                }
                Undo::Unlinked(parent, name) => {
                    if let Some(n) = tree.nodes.get_mut(&parent) {
                        n.children.insert(name);
                    }
                }
            }
        }
        self.triggers.clear();
    }

    fn update_stat(&mut self, path: &str, f: impl FnOnce(&mut StatPersisted)) {
        if let Some(n) = self.tree.nodes.get_mut(path) {
            self.undo.push(Undo::Stat(path.to_string(), n.stat));
            f(&mut n.stat);
        }
    }

    /// `DataTree.createNode`: adds the node under its (existing) parent,
    /// bumps the parent's create counter and pzxid, and raises NodeCreated
    /// on the path and NodeChildrenChanged on the parent.
    pub fn create_node(&mut self, p: String, node: Node) {
        let parent = path::parent(&p).to_string();
        let name = path::name(&p).to_string();
        let zxid = self.zxid_i64();
        self.update_stat(&parent, |s| {
            s.cversion = s.cversion.wrapping_add(1);
            s.pzxid = zxid;
        });
        if let Some(pn) = self.tree.nodes.get_mut(&parent) {
            pn.children.insert(name.clone());
            self.undo.push(Undo::Linked(parent.clone(), name));
        }
        self.tree.index(&p, node.kind);
        self.tree.nodes.insert(p.clone(), node);
        self.undo.push(Undo::Inserted(p.clone()));
        self.trigger(&p, EventType::NodeCreated);
        self.trigger(&parent, EventType::NodeChildrenChanged);
    }

    /// `DataTree.deleteNode`: removes a childless node, sets the parent's
    /// pzxid (its create counter stays: see [`StatPersisted`]), and raises
    /// NodeDeleted on the path and NodeChildrenChanged on the parent.
    pub fn delete_node(&mut self, p: &str) {
        let Some(node) = self.tree.nodes.remove(p) else {
            return;
        };
        debug_assert!(node.children.is_empty(), "deleting {p} with children");
        self.tree.unindex(p, node.kind);
        self.undo.push(Undo::Removed(p.to_string(), node));
        let parent = path::parent(p).to_string();
        let name = path::name(p).to_string();
        let zxid = self.zxid_i64();
        self.update_stat(&parent, |s| s.pzxid = zxid);
        if let Some(pn) = self.tree.nodes.get_mut(&parent)
            && pn.children.remove(&name)
        {
            self.undo.push(Undo::Unlinked(parent.clone(), name));
        }
        self.trigger(p, EventType::NodeDeleted);
        self.trigger(&parent, EventType::NodeChildrenChanged);
    }

    /// `DataTree.setData`: new data, mzxid, mtime and version; raises
    /// NodeDataChanged.
    pub fn set_data(&mut self, p: &str, data: Option<Vec<u8>>, version: i32, time_ms: i64) {
        let zxid = self.zxid_i64();
        let Some(n) = self.tree.nodes.get_mut(p) else {
            return;
        };
        let old = std::mem::replace(&mut n.data, data);
        self.undo.push(Undo::Data(p.to_string(), old, n.stat));
        n.stat.mzxid = zxid;
        n.stat.mtime = time_ms;
        n.stat.version = version;
        self.trigger(p, EventType::NodeDataChanged);
    }

    /// `DataTree.setACL`: new ACL and aversion; raises nothing.
    pub fn set_acl(&mut self, p: &str, acl: Vec<Acl>, aversion: i32) {
        let Some(n) = self.tree.nodes.get_mut(p) else {
            return;
        };
        let old = std::mem::replace(&mut n.acl, acl);
        self.undo.push(Undo::Acl(p.to_string(), old, n.stat));
        n.stat.aversion = aversion;
    }
}
