//! What the watch manager hands back: notifications and errors.

use serde::{Deserialize, Serialize};

use protocols::Zxid;

use crate::event::{EventType, SessionId};

/// One notification for one session: ZooKeeper's `WatcherEvent` (the state
/// is always SyncConnected for server-sent events) plus whom it is for and
/// the zxid of the change, which orders notifications against replies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WatchedEvent {
    pub event_type: EventType,
    pub path: String,
    pub zxid: Zxid,
    pub session: SessionId,
}

/// Errors of checkWatches/removeWatches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchError {
    /// `KeeperException.Code.NOWATCHER`: the session has no watch of the
    /// asked type on the path.
    NoWatcher { path: String },
}

impl WatchError {
    /// ZooKeeper's error code on the wire.
    pub fn code(&self) -> i32 {
        match self {
            WatchError::NoWatcher { .. } => -121,
        }
    }
}

impl std::fmt::Display for WatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WatchError::NoWatcher { path } => write!(f, "no watcher for {path}"),
        }
    }
}

impl std::error::Error for WatchError {}
