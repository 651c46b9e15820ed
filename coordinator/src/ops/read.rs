//! Reads, served from the local tree (they are not commands). Paths are not
//! validated beyond what ZooKeeper does: a malformed path simply does not
//! exist (NoNode), and `""` is the root.

use crate::acl::{self, Acl, Id, perms};
use crate::error::ErrorCode;
use crate::event::SessionId;
use crate::path;
use crate::stat::Stat;
use crate::tree::{DataTree, Node};

impl DataTree {
    fn lookup(&self, p: &str) -> Result<&Node, ErrorCode> {
        self.nodes.get(path::for_read(p)).ok_or(ErrorCode::NoNode)
    }

    /// exists: the stat, NoNode, or BadArguments for a path with NUL.
    pub fn exists(&self, p: &str) -> Result<Stat, ErrorCode> {
        if p.contains('\0') {
            return Err(ErrorCode::BadArguments);
        }
        self.lookup(p).map(Node::stat)
    }

    /// getData: the data (`None` is null) and stat.
    pub fn get_data(&self, p: &str) -> Result<(Option<&[u8]>, Stat), ErrorCode> {
        self.lookup(p).map(|n| (n.data.as_deref(), n.stat()))
    }

    /// getChildren: the names of the direct children, sorted.
    pub fn get_children(&self, p: &str) -> Result<Vec<String>, ErrorCode> {
        self.lookup(p).map(|n| n.children.iter().cloned().collect())
    }

    /// getChildren2: the names and the parent's stat.
    pub fn get_children2(&self, p: &str) -> Result<(Vec<String>, Stat), ErrorCode> {
        self.lookup(p)
            .map(|n| (n.children.iter().cloned().collect(), n.stat()))
    }

    /// getAllChildrenNumber: every descendant, recursively; unchecked (see
    /// [`DataTree::get_all_children_number_as`]).
    pub fn get_all_children_number(&self, p: &str) -> Result<i32, ErrorCode> {
        let p = path::for_read(p);
        self.lookup(p)?;
        let count = if p == path::ROOT {
            self.nodes.len() - 1
        } else {
            let prefix = format!("{p}/");
            self.nodes
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .count()
        };
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }

    /// getEphemerals: the session's ephemeral paths starting with `prefix`
    /// (a plain string prefix, as ZooKeeper filters), sorted.
    pub fn get_ephemerals(&self, session: SessionId, prefix: &str) -> Vec<String> {
        self.sessions
            .get(&session)
            .map(|s| {
                s.ephemerals
                    .iter()
                    .filter(|p| p.starts_with(prefix))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// getACL: the ACL and stat, unchecked (see [`DataTree::get_acl_as`]).
    pub fn get_acl(&self, p: &str) -> Result<(Vec<Acl>, Stat), ErrorCode> {
        self.lookup(p).map(|n| (n.acl.clone(), n.stat()))
    }

    /// getACL as ZooKeeper 3.8 answers a requester holding `ids`: READ or
    /// ADMIN is needed (NoNode first, then NoAuth); without ADMIN, digest
    /// ids are shown as `user:x`.
    pub fn get_acl_as(&self, p: &str, ids: &[Id]) -> Result<(Vec<Acl>, Stat), ErrorCode> {
        let node = self.lookup(p)?;
        acl::check(&node.acl, perms::READ | perms::ADMIN, ids)?;
        let shown = match acl::check(&node.acl, perms::ADMIN, ids) {
            Ok(()) => node.acl.clone(),
            Err(_) => acl::redact_digests(node.acl.clone()),
        };
        Ok((shown, node.stat()))
    }

    /// getAllChildrenNumber for a requester holding `ids`: READ on the node.
    pub fn get_all_children_number_as(&self, p: &str, ids: &[Id]) -> Result<i32, ErrorCode> {
        self.check_perm(p, perms::READ, ids)?;
        self.get_all_children_number(p)
    }

    /// Whether `ids` hold `perm` on the node (NoNode / NoAuth otherwise): for
    /// front ends that enforce read permissions.
    pub fn check_perm(&self, p: &str, perm: i32, ids: &[Id]) -> Result<(), ErrorCode> {
        acl::check(&self.lookup(p)?.acl, perm, ids)
    }
}

impl DataTree {
    /// Whether a reconnecting client may resume `session` with `password`:
    /// the session is live and the password matches. ZooKeeper answers both
    /// failures the same way (a zeroed ConnectResponse: "expired").
    pub fn session_valid(&self, session: SessionId, password: &[u8]) -> bool {
        self.sessions
            .get(&session)
            .is_some_and(|s| s.password[..] == *password)
    }
}
