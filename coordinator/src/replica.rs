//! [`Replica`]: the state one server holds — the replicated tree and this
//! server's watches — and the one door every front end (gRPC, ZooKeeper's
//! wire protocol) goes through.
//!
//! - Writes arrive committed, in zxid order, from the protocol:
//!   [`Replica::apply`] applies one to the tree and returns the result (for
//!   the origin server's client) and the notifications for the sessions
//!   connected here, to be sent *before* that result so a client sees the
//!   event before the new data (ZooKeeper's order).
//! - Reads are served from the local tree, possibly behind the leader
//!   (ZooKeeper's consistency); with `watch` they arm a one-shot watch.
//!   `sync` is not here yet: it will be a command that commits nothing and
//!   whose reply, released once applied locally, makes the next read current.
//! - Watch management: addWatch, removeWatches, checkWatches, setWatches, and
//!   [`Replica::disconnect`] when a connection goes away.
//!
//! ```
//! use coordinator::replica::Replica;
//! use coordinator::{Command, CreateMode, CreateRequest, EventType, Op, SetDataRequest};
//! use protocols::Zxid;
//!
//! let mut server = Replica::default();
//! let create = CreateRequest::new("/cfg", Some(b"v1".to_vec()), CreateMode::Persistent);
//! server.apply(Zxid::new(1, 1), &Command::new(Op::Create(create)));
//! // Session 0x42, connected here, reads /cfg and leaves a watch.
//! let (data, _stat) = server.get_data(0x42, "/cfg", true, &[]).unwrap();
//! assert_eq!(data, Some(&b"v1"[..]));
//! // Another client's write, committed: 0x42 is told, once.
//! let set = SetDataRequest { path: "/cfg".into(), data: Some(b"v2".to_vec()), version: -1 };
//! let applied = server.apply(Zxid::new(1, 2), &Command::new(Op::SetData(set.clone())));
//! assert!(applied.result.is_ok());
//! let event = &applied.notifications[0];
//! assert_eq!((event.session, event.event_type, event.path.as_str()), (0x42, EventType::NodeDataChanged, "/cfg"));
//! assert!(server.apply(Zxid::new(1, 3), &Command::new(Op::SetData(set))).notifications.is_empty());
//! ```

use protocols::Zxid;

use crate::acl::{Id, perms};
use crate::command::{Command, DecodeError};
use crate::config::TreeConfig;
use crate::error::ErrorCode;
use crate::event::SessionId;
use crate::path;
use crate::result::{ApplyOutcome, ApplyResult, OpResult};
use crate::stat::Stat;
use crate::tree::DataTree;
use crate::watch::{
    AddWatchMode, NodeZxids, SetWatches, WatchError, WatchManager, WatchedEvent, WatcherType,
};

/// One server's copy of the state machine plus its own watches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replica {
    tree: DataTree,
    watches: WatchManager,
}

/// What applying one committed command produced on this server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The reply, for the server that proposed the command.
    pub result: ApplyResult,
    /// Notifications for sessions connected to this server, in the order
    /// ZooKeeper sends them (trigger order, then session id).
    pub notifications: Vec<WatchedEvent>,
}

impl Default for Replica {
    fn default() -> Replica {
        Replica::new(TreeConfig::default())
    }
}

impl Replica {
    /// A fresh server: ZooKeeper's initial tree, no watches.
    pub fn new(config: TreeConfig) -> Replica {
        Replica::from_tree(DataTree::new(config))
    }

    /// A server starting from a recovered tree (snapshot + log replay).
    pub fn from_tree(tree: DataTree) -> Replica {
        Replica {
            tree,
            watches: WatchManager::new(),
        }
    }

    /// Replaces the tree wholesale (a snapshot from the leader) and drops
    /// every watch: changes between the old and the new tree raised no
    /// trigger, so the front ends must close their connections and let
    /// clients re-arm with setWatches, which fires what they missed.
    pub fn install_tree(&mut self, tree: DataTree) {
        self.tree = tree;
        self.watches = WatchManager::new();
    }

    pub fn tree(&self) -> &DataTree {
        &self.tree
    }

    pub fn watches(&self) -> &WatchManager {
        &self.watches
    }

    /// The zxid of the last command applied here.
    pub fn last_zxid(&self) -> Zxid {
        self.tree.last_zxid()
    }

    /// Applies a committed command. A session that closes or expires loses
    /// its watches first, so it is not sent events for its own ephemerals.
    pub fn apply(&mut self, zxid: Zxid, command: &Command) -> Applied {
        let outcome = self.tree.apply(zxid, command);
        self.notify(outcome)
    }

    /// Applies a command as the protocol carries it: bytes that do not
    /// decode fail identically on every replica (see
    /// [`DataTree::apply_bytes`]).
    pub fn apply_bytes(&mut self, zxid: Zxid, bytes: &[u8]) -> Result<Applied, DecodeError> {
        let outcome = self.tree.apply_bytes(zxid, bytes)?;
        Ok(self.notify(outcome))
    }

    fn notify(&mut self, outcome: ApplyOutcome) -> Applied {
        if let Ok(OpResult::SessionClosed { session, .. }) = &outcome.result {
            self.watches.remove_session(*session);
        }
        Applied {
            notifications: self.watches.trigger_all(&outcome.triggers),
            result: outcome.result,
        }
    }

    /// exists(path, watch). With `watch` a data watch is armed whether the
    /// node exists or not (NoNode included): that is how NodeCreated is
    /// delivered. No ACL check, as in ZooKeeper.
    pub fn exists(&mut self, session: SessionId, p: &str, watch: bool) -> Result<Stat, ErrorCode> {
        let result = self.tree.exists(p);
        if watch && matches!(result, Ok(_) | Err(ErrorCode::NoNode)) {
            self.watches.watch_data(session, path::for_read(p));
        }
        result
    }

    /// getData(path, watch): needs READ; the watch is armed only on success.
    pub fn get_data(
        &mut self,
        session: SessionId,
        p: &str,
        watch: bool,
        auth: &[Id],
    ) -> Result<(Option<&[u8]>, Stat), ErrorCode> {
        self.tree.check_perm(p, perms::READ, auth)?;
        if watch {
            self.watches.watch_data(session, path::for_read(p));
        }
        self.tree.get_data(p)
    }

    /// getChildren / getChildren2(path, watch): the sorted child names and
    /// the node's stat (getChildren's reply drops it). Needs READ; the watch
    /// is armed only on success.
    pub fn get_children(
        &mut self,
        session: SessionId,
        p: &str,
        watch: bool,
        auth: &[Id],
    ) -> Result<(Vec<String>, Stat), ErrorCode> {
        self.tree.check_perm(p, perms::READ, auth)?;
        if watch {
            self.watches.watch_children(session, path::for_read(p));
        }
        self.tree.get_children2(p)
    }

    /// addWatch(path, mode): allowed on a missing node; the path must be
    /// valid.
    pub fn add_watch(
        &mut self,
        session: SessionId,
        p: &str,
        mode: AddWatchMode,
    ) -> Result<(), ErrorCode> {
        path::validate(p)?;
        self.watches.add_watch(session, p, mode);
        Ok(())
    }

    /// removeWatches(path, type): NoWatcher when there was none.
    pub fn remove_watches(
        &mut self,
        session: SessionId,
        p: &str,
        watcher_type: WatcherType,
    ) -> Result<(), ErrorCode> {
        Ok(self.watches.remove_watches(session, p, watcher_type)?)
    }

    /// checkWatches(path, type): NoWatcher when there is none.
    pub fn check_watches(
        &self,
        session: SessionId,
        p: &str,
        watcher_type: WatcherType,
    ) -> Result<(), ErrorCode> {
        Ok(self.watches.check_watches(session, p, watcher_type)?)
    }

    /// setWatches / setWatches2 from a client that moved here: arms its
    /// watches and returns the events it missed since `relative_zxid`, to be
    /// sent before the (empty) reply.
    pub fn set_watches(&mut self, session: SessionId, request: &SetWatches) -> Vec<WatchedEvent> {
        let tree = &self.tree;
        let node = |p: &str| {
            tree.node(p).map(|n| NodeZxids {
                mzxid: Zxid(n.stat.mzxid as u64),
                pzxid: Zxid(n.stat.pzxid as u64),
            })
        };
        self.watches
            .set_watches(session, request, tree.last_zxid(), node)
    }

    /// The session's connection to this server closed (or the session
    /// moved to another server): its watches go with it.
    pub fn disconnect(&mut self, session: SessionId) {
        self.watches.remove_session(session);
    }
}

impl From<WatchError> for ErrorCode {
    fn from(e: WatchError) -> ErrorCode {
        match e {
            WatchError::NoWatcher { .. } => ErrorCode::NoWatcher,
        }
    }
}

#[cfg(test)]
mod tests;
