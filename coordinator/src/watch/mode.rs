//! What a session can ask to be told about, with ZooKeeper's wire codes.

use serde::{Deserialize, Serialize};

/// `AddWatchRequest.mode` (`org.apache.zookeeper.AddWatchMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AddWatchMode {
    /// Every event on exactly this path, kept after it fires.
    Persistent = 0,
    /// Created/Deleted/DataChanged on this path and every descendant, kept
    /// after it fires; never NodeChildrenChanged.
    PersistentRecursive = 1,
}

impl AddWatchMode {
    pub fn from_code(code: i32) -> Option<AddWatchMode> {
        match code {
            0 => Some(AddWatchMode::Persistent),
            1 => Some(AddWatchMode::PersistentRecursive),
            _ => None,
        }
    }

    pub fn code(self) -> i32 {
        self as i32
    }
}

/// `Watcher.WatcherType`: which table checkWatches/removeWatches look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WatcherType {
    Children = 1,
    Data = 2,
    Any = 3,
}

impl WatcherType {
    pub fn from_code(code: i32) -> Option<WatcherType> {
        match code {
            1 => Some(WatcherType::Children),
            2 => Some(WatcherType::Data),
            3 => Some(WatcherType::Any),
            _ => None,
        }
    }

    pub fn code(self) -> i32 {
        self as i32
    }
}

/// The modes one session holds on one path in one table. ZooKeeper 3.8 keeps
/// a single mode per (connection, path, table), so a later registration
/// overwrites an earlier one (`ls -w /p` then `addWatch /p` loses the one-shot
/// child watch; `addWatch -m PERSISTENT /p` then `get -w /p` turns the
/// persistent watch into a one-shot). zoolab keeps each mode independently,
/// as ZooKeeper 3.9 does: a registration never weakens another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Modes {
    /// A one-shot watch (getData/exists/getChildren with watch=true).
    pub standard: bool,
    pub persistent: bool,
    pub recursive: bool,
}

impl Modes {
    pub fn is_empty(self) -> bool {
        !(self.standard || self.persistent || self.recursive)
    }
}

/// A mode to add to a table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Standard,
    Persistent,
    Recursive,
}

impl Modes {
    pub fn with(mut self, mode: Mode) -> Modes {
        match mode {
            Mode::Standard => self.standard = true,
            Mode::Persistent => self.persistent = true,
            Mode::Recursive => self.recursive = true,
        }
        self
    }
}
