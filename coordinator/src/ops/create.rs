//! create / create2 / createContainer / createTTL.

use crate::acl::{self, perms};
use crate::command::{CreateMode, CreateRequest};
use crate::error::ErrorCode;
use crate::path;
use crate::stat::{Stat, StatPersisted};
use crate::tree::txn::Txn;
use crate::tree::{Node, NodeKind};

use super::Ctx;

/// `EphemeralType.TTL`'s largest TTL (40 bits of milliseconds).
pub const MAX_TTL_MS: i64 = 0xFF_FFFF_FFFF;

/// Checks in `PrepRequestProcessor.pRequest2TxnCreate`'s order: flags (-8),
/// TTL (-6 when extended types are off, else -8), path has a `/` and no NUL
/// (-8), ACL (-114), parent exists (-101), CREATE permission (-102), append
/// the sequence suffix, validate the final path (-8), node exists (-110),
/// parent ephemeral (-108). Data over the size limit is refused first, as
/// ZooKeeper refuses an oversized frame before reading it.
pub(crate) fn apply(
    tx: &mut Txn,
    ctx: &Ctx,
    req: &CreateRequest,
) -> Result<(String, Stat), ErrorCode> {
    let tree = &*tx.tree;
    if req
        .data
        .as_ref()
        .is_some_and(|d| d.len() > tree.config.max_data_bytes)
    {
        return Err(ErrorCode::BadArguments);
    }
    let mode = CreateMode::from_flag(req.flags)?;
    if mode.is_ttl() {
        if !tree.config.extended_types_enabled {
            return Err(ErrorCode::Unimplemented);
        }
        if req.ttl <= 0 || req.ttl > MAX_TTL_MS {
            return Err(ErrorCode::BadArguments);
        }
    } else if req.ttl >= 0 {
        return Err(ErrorCode::BadArguments);
    }
    if mode.is_ephemeral() && !tree.sessions.contains_key(&ctx.session) {
        // Anonymous (session 0) requests cannot own ephemerals.
        return Err(ErrorCode::SessionExpired);
    }
    let parent_path = path::parent_for_write(&req.path)?;
    let acl = acl::fixup(&req.acl, ctx.auth)?;
    let parent = tree.nodes.get(parent_path).ok_or(ErrorCode::NoNode)?;
    acl::check(&parent.acl, perms::CREATE, ctx.auth)?;
    let final_path = if mode.is_sequential() {
        format!("{}{:010}", req.path, parent.stat.cversion)
    } else {
        req.path.clone()
    };
    path::validate(&final_path)?;
    if tree.nodes.contains_key(&final_path) {
        return Err(ErrorCode::NodeExists);
    }
    if matches!(parent.kind, NodeKind::Ephemeral(_)) {
        return Err(ErrorCode::NoChildrenForEphemerals);
    }
    let kind = if mode.is_ephemeral() {
        NodeKind::Ephemeral(ctx.session)
    } else if mode.is_container() {
        NodeKind::Container
    } else if mode.is_ttl() {
        NodeKind::Ttl(req.ttl)
    } else {
        NodeKind::Persistent
    };
    let node = Node::new(
        req.data.clone(),
        acl,
        StatPersisted::created(tx.zxid_i64(), ctx.time_ms),
        kind,
    );
    let stat = node.stat();
    tx.create_node(final_path.clone(), node);
    Ok((final_path, stat))
}
