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
mod tests {
    use super::*;
    use crate::acl::Acl;
    use crate::command::{CreateMode, CreateRequest, Op, SetDataRequest};
    use crate::event::EventType;

    /// A replica with a zxid counter.
    struct Server {
        replica: Replica,
        counter: u32,
    }

    impl Server {
        fn new() -> Server {
            Server {
                replica: Replica::default(),
                counter: 0,
            }
        }

        fn commit(&mut self, session: SessionId, op: Op) -> Applied {
            self.counter += 1;
            let command = Command::new(op).with_session(session).with_time(1000);
            self.replica.apply(Zxid::new(1, self.counter), &command)
        }

        fn session(&mut self) -> SessionId {
            let op = Op::CreateSession {
                timeout_ms: 10_000,
                password: [0; 16],
            };
            match self.commit(0, op).result {
                Ok(OpResult::SessionCreated { session, .. }) => session,
                other => panic!("createSession answered {other:?}"),
            }
        }

        fn create(&mut self, session: SessionId, path: &str, mode: CreateMode) -> Applied {
            let req = CreateRequest::new(path, Some(b"x".to_vec()), mode);
            let applied = self.commit(session, Op::Create(req));
            assert!(
                applied.result.is_ok(),
                "create {path}: {:?}",
                applied.result
            );
            applied
        }

        fn set(&mut self, path: &str) -> Applied {
            let req = SetDataRequest {
                path: path.into(),
                data: Some(b"y".to_vec()),
                version: -1,
            };
            self.commit(0, Op::SetData(req))
        }

        fn zxid(&self) -> Zxid {
            Zxid::new(1, self.counter)
        }
    }

    fn events(applied: &Applied) -> Vec<(SessionId, EventType, &str)> {
        applied
            .notifications
            .iter()
            .map(|e| (e.session, e.event_type, e.path.as_str()))
            .collect()
    }

    #[test]
    fn exists_watches_a_missing_node_until_it_is_created() {
        let mut s = Server::new();
        let a = s.session();
        assert_eq!(s.replica.exists(a, "/x", true), Err(ErrorCode::NoNode));
        let applied = s.create(0, "/x", CreateMode::Persistent);
        assert_eq!(events(&applied), vec![(a, EventType::NodeCreated, "/x")]);
        assert_eq!(applied.notifications[0].zxid, s.zxid());
    }

    #[test]
    fn exists_with_a_bad_path_arms_nothing() {
        let mut s = Server::new();
        assert_eq!(
            s.replica.exists(1, "/x\0", true),
            Err(ErrorCode::BadArguments)
        );
        assert!(s.replica.watches().is_empty());
    }

    #[test]
    fn get_data_and_get_children_arm_nothing_when_they_fail() {
        let mut s = Server::new();
        assert_eq!(
            s.replica.get_data(1, "/x", true, &[]).map(|_| ()),
            Err(ErrorCode::NoNode)
        );
        assert_eq!(
            s.replica.get_children(1, "/x", true, &[]).map(|_| ()),
            Err(ErrorCode::NoNode)
        );
        let req = CreateRequest::new("/secret", None, CreateMode::Persistent)
            .with_acl(vec![Acl::new(crate::acl::perms::WRITE, Id::anyone())]);
        assert!(s.commit(0, Op::Create(req)).result.is_ok());
        assert_eq!(
            s.replica.get_data(1, "/secret", true, &[]).map(|_| ()),
            Err(ErrorCode::NoAuth)
        );
        assert_eq!(
            s.replica.get_children(1, "/secret", true, &[]).map(|_| ()),
            Err(ErrorCode::NoAuth)
        );
        assert!(s.replica.watches().is_empty());
        assert!(events(&s.set("/secret")).is_empty());
    }

    #[test]
    fn reads_return_what_the_tree_holds() {
        let mut s = Server::new();
        s.create(0, "/a", CreateMode::Persistent);
        s.create(0, "/a/c", CreateMode::Persistent);
        let (data, stat) = s.replica.get_data(1, "/a", false, &[]).expect("exists");
        assert_eq!(data, Some(&b"x"[..]));
        assert_eq!(stat.num_children, 1);
        let (children, _) = s.replica.get_children(1, "/a", false, &[]).expect("exists");
        assert_eq!(children, vec!["c".to_owned()]);
        assert!(s.replica.watches().is_empty(), "watch=false arms nothing");
    }

    #[test]
    fn a_closing_session_loses_its_watches_and_others_see_its_ephemerals_go() {
        let mut s = Server::new();
        let owner = s.session();
        let other = s.session();
        s.create(0, "/app", CreateMode::Persistent);
        s.create(owner, "/app/eph", CreateMode::Ephemeral);
        for session in [owner, other] {
            s.replica.exists(session, "/app/eph", true).expect("exists");
            s.replica
                .get_children(session, "/app", true, &[])
                .expect("exists");
        }
        let applied = s.commit(owner, Op::CloseSession);
        assert_eq!(
            events(&applied),
            vec![
                (other, EventType::NodeDeleted, "/app/eph"),
                (other, EventType::NodeChildrenChanged, "/app"),
            ]
        );
        assert!(
            s.replica
                .check_watches(owner, "/app", WatcherType::Any)
                .is_err()
        );
    }

    #[test]
    fn an_expired_session_loses_its_watches() {
        let mut s = Server::new();
        let a = s.session();
        s.create(0, "/w", CreateMode::Persistent);
        s.replica
            .add_watch(a, "/", AddWatchMode::PersistentRecursive)
            .expect("valid");
        s.commit(0, Op::ExpireSession { session: a });
        assert!(s.replica.watches().is_empty());
        assert!(events(&s.set("/w")).is_empty());
    }

    #[test]
    fn a_failed_command_notifies_nobody() {
        let mut s = Server::new();
        s.replica
            .add_watch(1, "/", AddWatchMode::PersistentRecursive)
            .expect("valid");
        s.replica
            .add_watch(1, "/", AddWatchMode::Persistent)
            .expect("valid");
        let applied = s.commit(
            0,
            Op::Create(CreateRequest::new("/a/b", None, CreateMode::Persistent)),
        );
        assert_eq!(applied.result, Err(ErrorCode::NoNode));
        assert!(applied.notifications.is_empty());
    }

    #[test]
    fn bytes_that_do_not_decode_notify_nobody() {
        let mut s = Server::new();
        s.replica
            .add_watch(1, "/", AddWatchMode::PersistentRecursive)
            .expect("valid");
        assert!(
            s.replica
                .apply_bytes(Zxid::new(1, 1), &[0xff, 1, 2])
                .is_err()
        );
        assert_eq!(s.replica.last_zxid(), Zxid::new(1, 1));
        let command = Command::new(Op::Create(CreateRequest::new(
            "/n",
            None,
            CreateMode::Persistent,
        )));
        let applied = s
            .replica
            .apply_bytes(Zxid::new(1, 2), &command.encode())
            .expect("decodes");
        assert_eq!(applied.notifications.len(), 1);
    }

    #[test]
    fn add_watch_refuses_an_invalid_path() {
        let mut s = Server::new();
        assert_eq!(
            s.replica.add_watch(1, "no-slash", AddWatchMode::Persistent),
            Err(ErrorCode::BadArguments)
        );
        assert_eq!(
            s.replica.remove_watches(1, "/", WatcherType::Any),
            Err(ErrorCode::NoWatcher)
        );
        assert_eq!(
            s.replica.check_watches(1, "/", WatcherType::Data),
            Err(ErrorCode::NoWatcher)
        );
    }

    #[test]
    fn set_watches_reads_the_local_tree() {
        let mut s = Server::new();
        s.create(0, "/seen", CreateMode::Persistent);
        let seen = s.zxid();
        s.create(0, "/missed", CreateMode::Persistent);
        s.set("/missed");
        s.create(0, "/seen/kid", CreateMode::Persistent);
        let request = SetWatches {
            relative_zxid: seen,
            data: vec!["/seen".into(), "/missed".into()],
            exist: vec!["/missed".into(), "/absent".into()],
            child: vec!["/seen".into()],
            ..SetWatches::default()
        };
        let fired = s.replica.set_watches(7, &request);
        let got: Vec<_> = fired
            .iter()
            .map(|e| (e.event_type, e.path.as_str(), e.zxid))
            .collect();
        assert_eq!(
            got,
            vec![
                (EventType::NodeDataChanged, "/missed", s.zxid()),
                (EventType::NodeCreated, "/missed", s.zxid()),
                (EventType::NodeChildrenChanged, "/seen", s.zxid()),
            ]
        );
        assert_eq!(
            events(&s.set("/seen")),
            vec![(7, EventType::NodeDataChanged, "/seen")]
        );
        let created = s.create(0, "/absent", CreateMode::Persistent);
        assert_eq!(
            events(&created),
            vec![(7, EventType::NodeCreated, "/absent")]
        );
    }

    #[test]
    fn disconnect_and_install_tree_drop_watches() {
        let mut s = Server::new();
        s.create(0, "/a", CreateMode::Persistent);
        s.replica.exists(1, "/a", true).expect("exists");
        s.replica.exists(2, "/a", true).expect("exists");
        s.replica.disconnect(1);
        assert_eq!(
            events(&s.set("/a")),
            vec![(2, EventType::NodeDataChanged, "/a")]
        );
        s.replica.exists(2, "/a", true).expect("exists");
        let tree = s.replica.tree().clone();
        s.replica.install_tree(tree);
        assert!(s.replica.watches().is_empty());
    }
}
