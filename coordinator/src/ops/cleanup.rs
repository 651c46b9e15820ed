//! Container and TTL clean-up (ZooKeeper's `ContainerManager`).
//!
//! The keeper (see [`crate::session`]) periodically asks
//! [`DataTree::cleanup_candidates`] and proposes `DeleteContainer` for each;
//! the command re-checks at apply time, with the command's clock, so every
//! replica decides the same way even if the node changed meanwhile.

use crate::error::ErrorCode;
use crate::tree::txn::Txn;
use crate::tree::{DataTree, Node, NodeKind};

fn qualifies(node: &Node, now_ms: i64) -> bool {
    if !node.children.is_empty() {
        return false;
    }
    match node.kind {
        // A container is removed only once it has had a child.
        NodeKind::Container => node.stat.cversion > 0,
        NodeKind::Ttl(ttl) => now_ms.saturating_sub(node.stat.mtime) > ttl,
        _ => false,
    }
}

impl DataTree {
    /// Containers that had children and are empty, and empty TTL nodes not
    /// modified for their TTL, at `now_ms`; in path order.
    pub fn cleanup_candidates(&self, now_ms: i64) -> Vec<String> {
        let mut out: Vec<String> = self
            .containers
            .iter()
            .chain(self.ttls.iter())
            .filter(|p| {
                self.nodes
                    .get(p.as_str())
                    .is_some_and(|n| qualifies(n, now_ms))
            })
            .cloned()
            .collect();
        out.sort();
        out
    }
}

/// deleteContainer: NoNode if gone, NotEmpty if it has children again,
/// BadArguments if it is not a container/TTL node or does not (yet) qualify.
pub(crate) fn apply(tx: &mut Txn, path: &str, now_ms: i64) -> Result<(), ErrorCode> {
    let node = tx.tree.nodes.get(path).ok_or(ErrorCode::NoNode)?;
    if !node.children.is_empty() {
        return Err(ErrorCode::NotEmpty);
    }
    if !qualifies(node, now_ms) {
        return Err(ErrorCode::BadArguments);
    }
    tx.delete_node(path);
    Ok(())
}
