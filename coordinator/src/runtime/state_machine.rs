//! What the runtime applies commits to: the [`Replica`] (tree + this
//! server's watches) and the [`Dedup`] table, which together are the
//! deterministic state every server holds after the same commits.
//!
//! A runtime snapshot is both, in one codec frame: the tree's own
//! checksummed snapshot and the dedup table. The dedup table must travel
//! with the tree, or a replica restored from a snapshot could apply a
//! duplicate that every other replica drops.

use serde::{Deserialize, Serialize};

use protocols::{NodeId, Zxid};

use crate::codec::{self, CodecError};
use crate::command::Command;
use crate::config::TreeConfig;
use crate::error::ErrorCode;
use crate::event::SessionId;
use crate::replica::Replica;
use crate::result::{ApplyResult, OpResult};
use crate::snapshot::SnapshotError;
use crate::tree::DataTree;
use crate::watch::WatchedEvent;

use super::dedup::Dedup;

/// The replicated state plus this server's watches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateMachine {
    replica: Replica,
    dedup: Dedup,
}

/// One commit, as applied here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedCommit {
    pub zxid: Zxid,
    /// Who proposed it and its correlation tag (0, 0 when the bytes did not
    /// decode).
    pub origin: NodeId,
    pub tag: u64,
    pub session: SessionId,
    /// Undecodable bytes give MarshallingError; a duplicate gives
    /// RuntimeInconsistency and changes nothing.
    pub result: ApplyResult,
    pub notifications: Vec<WatchedEvent>,
    pub duplicate: bool,
}

#[derive(Serialize, Deserialize)]
struct SnapshotFrame {
    tree: Vec<u8>,
    dedup: Dedup,
}

/// Why bytes are not a runtime snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RestoreError {
    Frame(CodecError),
    Tree(SnapshotError),
}

impl std::fmt::Display for RestoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestoreError::Frame(e) => write!(f, "snapshot frame: {e}"),
            RestoreError::Tree(e) => write!(f, "snapshot tree: {e}"),
        }
    }
}

impl std::error::Error for RestoreError {}

impl StateMachine {
    pub fn new(config: TreeConfig) -> StateMachine {
        StateMachine {
            replica: Replica::new(config),
            dedup: Dedup::default(),
        }
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    pub fn replica_mut(&mut self) -> &mut Replica {
        &mut self.replica
    }

    pub fn last_zxid(&self) -> Zxid {
        self.replica.last_zxid()
    }

    /// Applies committed bytes at `zxid`.
    pub fn apply(&mut self, zxid: Zxid, bytes: &[u8]) -> AppliedCommit {
        let command = match Command::decode(bytes) {
            Ok(c) => c,
            Err(_) => {
                // Fails identically everywhere and only advances the zxid.
                let _ = self.replica.apply_bytes(zxid, bytes);
                return AppliedCommit {
                    zxid,
                    origin: 0,
                    tag: 0,
                    session: 0,
                    result: Err(ErrorCode::MarshallingError),
                    notifications: Vec::new(),
                    duplicate: false,
                };
            }
        };
        let mut commit = AppliedCommit {
            zxid,
            origin: command.origin,
            tag: command.tag,
            session: command.session,
            result: Err(ErrorCode::RuntimeInconsistency),
            notifications: Vec::new(),
            duplicate: false,
        };
        if !self.dedup.admit(command.origin, command.tag) {
            // The tree has no "skip" entry point: empty bytes are its
            // documented way to consume a zxid and change nothing else.
            let _ = self.replica.apply_bytes(zxid, &[]);
            commit.duplicate = true;
            return commit;
        }
        let applied = self.replica.apply(zxid, &command);
        commit.result = applied.result;
        commit.notifications = applied.notifications;
        commit
    }

    /// The runtime snapshot: tree and dedup table, at [`Self::last_zxid`].
    pub fn snapshot(&self) -> Vec<u8> {
        let frame = SnapshotFrame {
            tree: self.replica.tree().snapshot(),
            dedup: self.dedup.clone(),
        };
        match codec::encode(&frame) {
            Ok(bytes) => bytes,
            Err(e) => unreachable!("encoding in-memory data into a Vec cannot fail: {e}"),
        }
    }

    /// Rebuilds the state from a runtime snapshot (no watches).
    pub fn restore(bytes: &[u8], config: TreeConfig) -> Result<StateMachine, RestoreError> {
        let frame: SnapshotFrame = codec::decode(bytes).map_err(RestoreError::Frame)?;
        let tree = DataTree::restore(&frame.tree, config).map_err(RestoreError::Tree)?;
        Ok(StateMachine {
            replica: Replica::from_tree(tree),
            dedup: frame.dedup,
        })
    }

    /// Replaces the state with a snapshot's (from a peer): watches go.
    pub fn install(&mut self, other: StateMachine) {
        self.replica.install_tree(other.replica.tree().clone());
        self.dedup = other.dedup;
    }

    /// Live sessions and their timeouts, for the session tracker.
    pub fn sessions(&self) -> Vec<(SessionId, i32)> {
        self.replica
            .tree()
            .sessions()
            .map(|s| (s.id, s.timeout_ms))
            .collect()
    }
}

/// The session a commit created, with its timeout.
pub fn session_created(result: &ApplyResult) -> Option<(SessionId, i32)> {
    match result {
        Ok(OpResult::SessionCreated {
            session,
            timeout_ms,
            ..
        }) => Some((*session, *timeout_ms)),
        _ => None,
    }
}

/// The live session a commit closed or expired.
pub fn session_closed(result: &ApplyResult) -> Option<SessionId> {
    match result {
        Ok(OpResult::SessionClosed {
            session,
            existed: true,
            ..
        }) => Some(*session),
        _ => None,
    }
}
