//! setData.

use crate::acl::{self, perms};
use crate::command::SetDataRequest;
use crate::error::ErrorCode;
use crate::path;
use crate::stat::Stat;
use crate::tree::txn::Txn;

use super::{Ctx, check_version};

/// Checks in ZooKeeper's order: (size limit), validatePath (-8), node exists
/// (-101), WRITE permission (-102), version (-103).
pub(crate) fn apply(tx: &mut Txn, ctx: &Ctx, req: &SetDataRequest) -> Result<Stat, ErrorCode> {
    let tree = &*tx.tree;
    if req
        .data
        .as_ref()
        .is_some_and(|d| d.len() > tree.config.max_data_bytes)
    {
        return Err(ErrorCode::BadArguments);
    }
    path::validate(&req.path)?;
    let node = tree.nodes.get(&req.path).ok_or(ErrorCode::NoNode)?;
    acl::check(&node.acl, perms::WRITE, ctx.auth)?;
    let version = check_version(req.version, node.stat.version)?;
    tx.set_data(&req.path, req.data.clone(), version, ctx.time_ms);
    tx.tree
        .nodes
        .get(&req.path)
        .map(|n| n.stat())
        .ok_or(ErrorCode::SystemError)
}
