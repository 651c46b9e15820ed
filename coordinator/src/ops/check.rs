//! check (version), a multi's guard.

use crate::acl::{self, perms};
use crate::command::CheckRequest;
use crate::error::ErrorCode;
use crate::path;
use crate::tree::DataTree;

use super::{Ctx, check_version};

/// validatePath (-8), node exists (-101), READ permission (-102), version
/// (-103). Changes nothing.
pub(crate) fn apply(tree: &DataTree, ctx: &Ctx, req: &CheckRequest) -> Result<(), ErrorCode> {
    path::validate(&req.path)?;
    let node = tree.nodes.get(&req.path).ok_or(ErrorCode::NoNode)?;
    acl::check(&node.acl, perms::READ, ctx.auth)?;
    check_version(req.version, node.stat.version)?;
    Ok(())
}
