//! One file per operation: each checks in ZooKeeper's order (the order
//! decides which error a client sees) and then mutates through the
//! [`Txn`](crate::tree::txn::Txn).

pub(crate) mod check;
pub(crate) mod cleanup;
pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod multi;
pub mod read;
pub(crate) mod session_ops;
pub(crate) mod set_acl;
pub(crate) mod set_data;
#[cfg(test)]
mod tests;

use crate::acl::Id;
use crate::error::ErrorCode;
use crate::event::SessionId;

/// What an op needs from its command besides its request.
pub(crate) struct Ctx<'c> {
    pub session: SessionId,
    pub time_ms: i64,
    pub auth: &'c [Id],
}

/// `checkAndIncVersion`: -1 matches any version.
pub(crate) fn check_version(expected: i32, current: i32) -> Result<i32, ErrorCode> {
    if expected != -1 && expected != current {
        return Err(ErrorCode::BadVersion);
    }
    Ok(current.wrapping_add(1))
}
