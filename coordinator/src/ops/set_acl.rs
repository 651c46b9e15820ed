//! setACL.

use crate::acl::{self, perms};
use crate::command::SetAclRequest;
use crate::error::ErrorCode;
use crate::path;
use crate::stat::Stat;
use crate::tree::txn::Txn;

use super::{Ctx, check_version};

/// validatePath (-8), ACL valid (-114), node exists (-101), ADMIN
/// permission (-102), aversion (-103). Bumps aversion only: mzxid and mtime
/// stay, and no watch fires.
pub(crate) fn apply(tx: &mut Txn, ctx: &Ctx, req: &SetAclRequest) -> Result<Stat, ErrorCode> {
    let tree = &*tx.tree;
    path::validate(&req.path)?;
    let acl = acl::fixup(&req.acl, ctx.auth)?;
    let node = tree.nodes.get(&req.path).ok_or(ErrorCode::NoNode)?;
    acl::check(&node.acl, perms::ADMIN, ctx.auth)?;
    let aversion = check_version(req.version, node.stat.aversion)?;
    tx.set_acl(&req.path, acl, aversion);
    tx.tree
        .nodes
        .get(&req.path)
        .map(|n| n.stat())
        .ok_or(ErrorCode::SystemError)
}
