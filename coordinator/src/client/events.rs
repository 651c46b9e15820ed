//! What the client hands the application on its event channel (watch
//! notifications and session state changes), and the watches it must
//! re-register when it moves to another server.

use std::collections::BTreeSet;

use crate::api::pb;
use crate::event::EventType;
use crate::watch::{AddWatchMode, WatcherType};

/// The session's state as the application sees it (ZooKeeper's
/// `Watcher.Event.KeeperState`, the states a gRPC client can be in).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeeperState {
    /// Attached to a server, which is serving the session.
    SyncConnected,
    /// The server stopped answering; the client is moving the session to
    /// another one. Calls fail with ConnectionLoss meanwhile.
    Disconnected,
    /// The session is gone, with its ephemerals. Final.
    Expired,
    /// The application closed the session. Final.
    Closed,
    /// An addauth failed (ZooKeeper's AUTH_FAILED): the client stopped and
    /// the session will expire. Final.
    AuthFailed,
}

impl KeeperState {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            KeeperState::Expired | KeeperState::Closed | KeeperState::AuthFailed
        )
    }
}

/// One event: a node event (state SyncConnected) or a change of session
/// state (`event_type` None), as ZooKeeper's `WatchedEvent`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WatchedEvent {
    pub event_type: EventType,
    pub state: KeeperState,
    /// The node (empty for session events).
    pub path: String,
    /// The change's zxid; for session events, the client's lastZxidSeen.
    pub zxid: i64,
}

impl WatchedEvent {
    pub(crate) fn session(state: KeeperState, zxid: i64) -> WatchedEvent {
        WatchedEvent {
            event_type: EventType::None,
            state,
            path: String::new(),
            zxid,
        }
    }

    /// From the Watch stream; `None` for values this build does not know.
    pub(crate) fn from_pb(e: &pb::WatchEvent) -> Option<WatchedEvent> {
        let event_type = EventType::from(pb::EventType::try_from(e.r#type).ok()?);
        let state = match pb::KeeperState::try_from(e.state).ok()? {
            pb::KeeperState::SyncConnected => KeeperState::SyncConnected,
            pb::KeeperState::Expired => KeeperState::Expired,
            pb::KeeperState::Closed => KeeperState::Closed,
        };
        Some(WatchedEvent {
            event_type,
            state,
            path: e.path.clone(),
            zxid: e.zxid,
        })
    }
}

/// The watches this client holds, kept to re-register them (SetWatches)
/// on the server it moves to. One-shot watches leave when they fire.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct WatchRegistry {
    data: BTreeSet<String>,
    exist: BTreeSet<String>,
    child: BTreeSet<String>,
    persistent: BTreeSet<String>,
    recursive: BTreeSet<String>,
}

impl WatchRegistry {
    pub(crate) fn data(&mut self, path: &str) {
        self.data.insert(path.to_owned());
    }

    /// exists(watch) on a missing node: re-registered as an exist watch,
    /// which fires NodeCreated at once if the node appeared meanwhile.
    pub(crate) fn exist(&mut self, path: &str) {
        self.exist.insert(path.to_owned());
    }

    pub(crate) fn child(&mut self, path: &str) {
        self.child.insert(path.to_owned());
    }

    pub(crate) fn add(&mut self, path: &str, mode: AddWatchMode) {
        match mode {
            AddWatchMode::Persistent => self.persistent.insert(path.to_owned()),
            AddWatchMode::PersistentRecursive => self.recursive.insert(path.to_owned()),
        };
    }

    pub(crate) fn remove(&mut self, path: &str, kind: WatcherType) {
        if matches!(kind, WatcherType::Data | WatcherType::Any) {
            self.data.remove(path);
            self.exist.remove(path);
        }
        if matches!(kind, WatcherType::Children | WatcherType::Any) {
            self.child.remove(path);
        }
        if kind == WatcherType::Any {
            self.persistent.remove(path);
            self.recursive.remove(path);
        }
    }

    /// A node event arrived: the one-shot watches it consumed go, as on
    /// the server (ZooKeeper's ZKWatchManager.materialize).
    pub(crate) fn fired(&mut self, event: EventType, path: &str) {
        match event {
            EventType::NodeCreated | EventType::NodeDataChanged => {
                self.data.remove(path);
                self.exist.remove(path);
            }
            EventType::NodeDeleted => {
                self.data.remove(path);
                self.exist.remove(path);
                self.child.remove(path);
            }
            EventType::NodeChildrenChanged => {
                self.child.remove(path);
            }
            _ => {}
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
            && self.exist.is_empty()
            && self.child.is_empty()
            && self.persistent.is_empty()
            && self.recursive.is_empty()
    }

    /// SetWatches for these watches, relative to `zxid`.
    pub(crate) fn set_watches(
        &self,
        header: pb::RequestHeader,
        relative_zxid: i64,
    ) -> pb::SetWatchesRequest {
        let list = |s: &BTreeSet<String>| s.iter().cloned().collect();
        pb::SetWatchesRequest {
            header: Some(header),
            relative_zxid,
            data: list(&self.data),
            exist: list(&self.exist),
            child: list(&self.child),
            persistent: list(&self.persistent),
            persistent_recursive: list(&self.recursive),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shot_watches_leave_when_they_fire_and_persistent_ones_stay() {
        let mut r = WatchRegistry::default();
        r.data("/a");
        r.exist("/b");
        r.child("/a");
        r.add("/p", AddWatchMode::Persistent);
        r.fired(EventType::NodeDataChanged, "/a");
        let req = r.set_watches(pb::RequestHeader::default(), 5);
        assert!(req.data.is_empty());
        assert_eq!(req.child, vec!["/a".to_string()]);
        assert_eq!(req.exist, vec!["/b".to_string()]);
        r.fired(EventType::NodeCreated, "/b");
        r.fired(EventType::NodeDeleted, "/a");
        r.fired(EventType::NodeDeleted, "/p");
        let req = r.set_watches(pb::RequestHeader::default(), 5);
        assert!(req.exist.is_empty() && req.child.is_empty());
        assert_eq!(req.persistent, vec!["/p".to_string()]);
        assert_eq!(req.relative_zxid, 5);
        r.remove("/p", WatcherType::Any);
        assert!(r.is_empty());
    }
}
