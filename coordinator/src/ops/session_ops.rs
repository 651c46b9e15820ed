//! createSession, closeSession and expiry.

use protocols::NodeId;

use crate::error::ErrorCode;
use crate::event::SessionId;
use crate::result::OpResult;
use crate::session::{Session, session_id};
use crate::tree::txn::Txn;

pub(crate) fn create(
    tx: &mut Txn,
    origin: NodeId,
    timeout_ms: i32,
    password: [u8; 16],
) -> Result<OpResult, ErrorCode> {
    let id = session_id(origin, tx.zxid);
    if tx.tree.sessions.contains_key(&id) {
        // Only reachable past 2^24 epochs (see `session_id`).
        return Err(ErrorCode::SystemError);
    }
    let timeout_ms = tx.tree.config.negotiate_timeout(timeout_ms);
    let session = Session {
        id,
        timeout_ms,
        password,
        ephemerals: Default::default(),
    };
    tx.tree.sessions.insert(id, session);
    Ok(OpResult::SessionCreated {
        session: id,
        timeout_ms,
        password,
    })
}

/// Removes the session and its ephemerals (in path order, each raising its
/// triggers). Closing an unknown session does nothing and succeeds, which
/// makes close and expiry idempotent.
pub(crate) fn close(tx: &mut Txn, session: SessionId) -> OpResult {
    let Some(s) = tx.tree.sessions.get(&session) else {
        return OpResult::SessionClosed {
            session,
            existed: false,
            ephemerals: Vec::new(),
        };
    };
    let ephemerals: Vec<String> = s.ephemerals.iter().cloned().collect();
    for p in &ephemerals {
        tx.delete_node(p);
    }
    tx.tree.sessions.remove(&session);
    OpResult::SessionClosed {
        session,
        existed: true,
        ephemerals,
    }
}
