//! delete.

use crate::acl::{self, perms};
use crate::command::DeleteRequest;
use crate::error::ErrorCode;
use crate::path;
use crate::tree::txn::Txn;

use super::{Ctx, check_version};

/// Checks in ZooKeeper's order: path has a `/`, no NUL, is not one of the
/// special paths (-8); parent exists (-101); DELETE permission on the parent
/// (-102); node exists (-101); version (-103); no children (-111).
pub(crate) fn apply(tx: &mut Txn, ctx: &Ctx, req: &DeleteRequest) -> Result<(), ErrorCode> {
    let tree = &*tx.tree;
    let parent_path = path::parent_for_write(&req.path)?;
    if path::is_special(&req.path) {
        return Err(ErrorCode::BadArguments);
    }
    let parent = tree.nodes.get(parent_path).ok_or(ErrorCode::NoNode)?;
    acl::check(&parent.acl, perms::DELETE, ctx.auth)?;
    let node = tree.nodes.get(&req.path).ok_or(ErrorCode::NoNode)?;
    check_version(req.version, node.stat.version)?;
    if !node.children.is_empty() {
        return Err(ErrorCode::NotEmpty);
    }
    tx.delete_node(&req.path);
    Ok(())
}
