//! [`WatchManager`]: one server's watches and ZooKeeper's trigger rules.

use std::collections::BTreeSet;

use crate::event::{EventType, SessionId, Trigger};

use super::mode::{AddWatchMode, Mode, WatcherType};
use super::notification::{WatchError, WatchedEvent};
use super::table::WatchTable;

/// The watches of the sessions connected to one server.
///
/// As in ZooKeeper there are two tables: the data table (one-shot
/// getData/exists watches) and the child table (one-shot getChildren
/// watches); persistent and recursive watches sit in both. NodeCreated and
/// NodeDataChanged look at the data table, NodeChildrenChanged at the child
/// table, NodeDeleted at both. A session gets at most one notification per
/// trigger, however many of its watches match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WatchManager {
    data: WatchTable,
    child: WatchTable,
}

/// Counts for the `wchs` four-letter word and metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchSummary {
    /// Sessions holding at least one watch.
    pub sessions: usize,
    /// Paths with at least one watch.
    pub paths: usize,
    /// (session, path, table) entries.
    pub watches: usize,
}

impl WatchManager {
    pub fn new() -> WatchManager {
        WatchManager::default()
    }

    /// A one-shot data watch: getData(watch) on an existing node, or
    /// exists(watch) whether or not the node exists (on a missing node it is
    /// what delivers NodeCreated: ZooKeeper's "exist watch" is a data watch).
    pub fn watch_data(&mut self, session: SessionId, path: &str) {
        self.data.add(session, path, Mode::Standard);
    }

    /// A one-shot child watch: getChildren(watch) on an existing node.
    pub fn watch_children(&mut self, session: SessionId, path: &str) {
        self.child.add(session, path, Mode::Standard);
    }

    /// `addWatch(path, mode)`; allowed on a path that does not exist.
    /// Both modes go in both tables, as in ZooKeeper 3.8, so that
    /// checkWatches/removeWatches of either type see them; a recursive watch
    /// never fires for NodeChildrenChanged whichever table it sits in.
    pub fn add_watch(&mut self, session: SessionId, path: &str, mode: AddWatchMode) {
        let mode = match mode {
            AddWatchMode::Persistent => Mode::Persistent,
            AddWatchMode::PersistentRecursive => Mode::Recursive,
        };
        self.data.add(session, path, mode);
        self.child.add(session, path, mode);
    }

    /// `checkWatches(path, type)`: NoWatcher unless the session holds a watch
    /// of that type on exactly `path`. (ZooKeeper 3.8's `containsWatcher`
    /// also answers yes when *another* connection watches the path, or when
    /// the asking one has a recursive watch on it; zoolab checks only the
    /// asking session's own watches on the path.)
    pub fn check_watches(
        &self,
        session: SessionId,
        path: &str,
        watcher_type: WatcherType,
    ) -> Result<(), WatchError> {
        let found = match watcher_type {
            WatcherType::Children => self.child.contains(session, path),
            WatcherType::Data => self.data.contains(session, path),
            WatcherType::Any => {
                self.child.contains(session, path) || self.data.contains(session, path)
            }
        };
        found.then_some(()).ok_or_else(|| no_watcher(path))
    }

    /// `removeWatches(path, type)`: drops every watch the session holds on
    /// `path` in the tables of that type (Data: data, exist, and the data
    /// half of persistent/recursive watches; Children: child and the child
    /// half; Any: all). NoWatcher if there was none.
    pub fn remove_watches(
        &mut self,
        session: SessionId,
        path: &str,
        watcher_type: WatcherType,
    ) -> Result<(), WatchError> {
        let removed = match watcher_type {
            WatcherType::Children => self.child.remove(session, path),
            WatcherType::Data => self.data.remove(session, path),
            WatcherType::Any => {
                let child = self.child.remove(session, path);
                self.data.remove(session, path) | child
            }
        };
        removed.then_some(()).ok_or_else(|| no_watcher(path))
    }

    /// Drops every watch of `session`. Call it when the session's connection
    /// to this server closes (ZooKeeper's watches belong to the connection;
    /// the client re-arms them with setWatches on its next server), and when
    /// the session is closed or expires.
    pub fn remove_session(&mut self, session: SessionId) {
        self.data.remove_session(session);
        self.child.remove_session(session);
    }

    /// The notifications one trigger raises, in ascending session order.
    pub fn trigger(&mut self, trigger: &Trigger) -> Vec<WatchedEvent> {
        let mut fired = BTreeSet::new();
        match trigger.event {
            EventType::NodeCreated | EventType::NodeDataChanged => {
                self.data.fire(&trigger.path, trigger.event, &mut fired);
            }
            EventType::NodeDeleted => {
                // ZooKeeper fires the data table, then the child table with the
                // sessions already notified suppressed: one NodeDeleted each.
                self.data.fire(&trigger.path, trigger.event, &mut fired);
                self.child.fire(&trigger.path, trigger.event, &mut fired);
            }
            EventType::NodeChildrenChanged => {
                self.child.fire(&trigger.path, trigger.event, &mut fired);
            }
            // The tree never raises these: None is a connection-state event and
            // the *WatchRemoved types are made up by clients on removeWatches.
            EventType::None
            | EventType::DataWatchRemoved
            | EventType::ChildWatchRemoved
            | EventType::PersistentWatchRemoved => {}
        }
        fired
            .into_iter()
            .map(|session| WatchedEvent {
                event_type: trigger.event,
                path: trigger.path.clone(),
                zxid: trigger.zxid,
                session,
            })
            .collect()
    }

    /// The notifications of a whole command's triggers, in trigger order.
    pub fn trigger_all(&mut self, triggers: &[Trigger]) -> Vec<WatchedEvent> {
        triggers.iter().flat_map(|t| self.trigger(t)).collect()
    }

    pub fn summary(&self) -> WatchSummary {
        let sessions: BTreeSet<SessionId> =
            self.data.sessions().chain(self.child.sessions()).collect();
        let paths: BTreeSet<&str> = self.data.paths().chain(self.child.paths()).collect();
        WatchSummary {
            sessions: sessions.len(),
            paths: paths.len(),
            watches: self.data.len() + self.child.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty() && self.child.is_empty()
    }

    pub(super) fn tables_mut(&mut self) -> (&mut WatchTable, &mut WatchTable) {
        (&mut self.data, &mut self.child)
    }
}

fn no_watcher(path: &str) -> WatchError {
    WatchError::NoWatcher {
        path: path.to_owned(),
    }
}
