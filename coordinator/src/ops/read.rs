//! Reads, served from the local tree (they are not commands). Paths are not
//! validated beyond what ZooKeeper does: a malformed path simply does not
//! exist (NoNode), and `""` is the root.

use crate::acl::{self, Acl, Id};
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

    /// getAllChildrenNumber: every descendant, recursively.
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

    /// getACL: the ACL and stat.
    pub fn get_acl(&self, p: &str) -> Result<(Vec<Acl>, Stat), ErrorCode> {
        self.lookup(p).map(|n| (n.acl.clone(), n.stat()))
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
