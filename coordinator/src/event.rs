//! The vocabulary shared by the tree (which reports what changed) and the
//! watch manager (which turns changes into notifications).

use serde::{Deserialize, Serialize};

use protocols::Zxid;

/// A session's id, as ZooKeeper's `long sessionId`.
pub type SessionId = i64;

/// ZooKeeper's `Watcher.Event.EventType`, with its wire codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EventType {
    None = -1,
    NodeCreated = 1,
    NodeDeleted = 2,
    NodeDataChanged = 3,
    NodeChildrenChanged = 4,
    DataWatchRemoved = 5,
    ChildWatchRemoved = 6,
    PersistentWatchRemoved = 7,
}

impl EventType {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// One watch trigger raised by applying a command, in ZooKeeper's
/// `DataTree` terms: `NodeCreated`, `NodeDeleted` and `NodeDataChanged` name
/// the node that changed; `NodeChildrenChanged` names the parent whose
/// children changed. The watch manager decides which watches each fires.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Trigger {
    pub path: String,
    pub event: EventType,
    /// The zxid of the change, for the notification.
    pub zxid: Zxid,
}
