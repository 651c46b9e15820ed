//! The facade's own rules: which reads arm watches, who is notified when a
//! session goes, and that failures notify nobody.

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
