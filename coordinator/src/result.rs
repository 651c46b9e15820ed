//! What applying a command produced: a typed result and the watch triggers.

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::event::{SessionId, Trigger};
use crate::stat::Stat;

/// The outcome of `apply`: the reply for the origin's client, and the
/// triggers every replica hands to its watch manager, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyOutcome {
    pub result: ApplyResult,
    pub triggers: Vec<Trigger>,
}

/// A failed command changes nothing and raises no trigger.
pub type ApplyResult = Result<OpResult, ErrorCode>;

/// The success body of each command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpResult {
    /// The actual path (with any sequence suffix) and the new node's stat
    /// (create answers the path only; create2/container/TTL add the stat).
    Created {
        path: String,
        stat: Stat,
    },
    Deleted,
    /// setData: the node's new stat.
    DataSet {
        stat: Stat,
    },
    Checked,
    /// setACL: the node's new stat.
    AclSet {
        stat: Stat,
    },
    /// A multi, committed or aborted (ZooKeeper replies err 0 either way).
    Multi(MultiResult),
    SessionCreated {
        session: SessionId,
        timeout_ms: i32,
        password: [u8; 16],
    },
    /// closeSession / expiry; `existed` is false for a session already gone.
    SessionClosed {
        session: SessionId,
        existed: bool,
        ephemerals: Vec<String>,
    },
}

/// A multi's per-op results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MultiResult {
    Committed(Vec<MultiOpResult>),
    /// Nothing changed. Op `failed` met `error`; of `ops` ops, those before it
    /// report 0 and those after it RuntimeInconsistency, as ZooKeeper does.
    Aborted {
        failed: usize,
        error: ErrorCode,
        ops: usize,
    },
}

impl MultiResult {
    /// Each op's error code as ZooKeeper reports it (0 for success).
    pub fn codes(&self) -> Vec<ErrorCode> {
        match self {
            MultiResult::Committed(r) => vec![ErrorCode::Ok; r.len()],
            MultiResult::Aborted { failed, error, ops } => (0..*ops)
                .map(|i| match i.cmp(failed) {
                    std::cmp::Ordering::Less => ErrorCode::Ok,
                    std::cmp::Ordering::Equal => *error,
                    std::cmp::Ordering::Greater => ErrorCode::RuntimeInconsistency,
                })
                .collect(),
        }
    }

    pub fn is_committed(&self) -> bool {
        matches!(self, MultiResult::Committed(_))
    }
}

/// One op of a committed multi.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MultiOpResult {
    Created { path: String, stat: Stat },
    Deleted,
    DataSet { stat: Stat },
    Checked,
}

impl ApplyOutcome {
    /// The session this command created, with its negotiated timeout: for
    /// the [`SessionTracker`](crate::session_tracker::SessionTracker).
    pub fn session_created(&self) -> Option<(SessionId, i32)> {
        match &self.result {
            Ok(OpResult::SessionCreated {
                session,
                timeout_ms,
                ..
            }) => Some((*session, *timeout_ms)),
            _ => None,
        }
    }

    /// The session this command closed or expired, if it was live.
    pub fn session_closed(&self) -> Option<SessionId> {
        match &self.result {
            Ok(OpResult::SessionClosed {
                session,
                existed: true,
                ..
            }) => Some(*session),
            _ => None,
        }
    }
}
