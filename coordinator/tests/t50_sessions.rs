//! Sessions: creation (ids, negotiated timeouts, passwords), close and
//! expiry taking the ephemerals with them, idempotence, and the tracker
//! driving expiry end to end.

mod common;

use common::Harness;
use coordinator::{
    Command, CreateMode, ErrorCode, EventType, Op, OpResult, SessionTracker, TreeConfig,
    session::session_id,
};

#[test]
fn create_session_derives_the_id_and_clamps_the_timeout() {
    let mut h = Harness::new();
    let z = h.zxid();
    let out = h.run(
        Command::new(Op::CreateSession {
            timeout_ms: 1000,
            password: [9; 16],
        })
        .with_origin(3, 42),
    );
    let Ok(OpResult::SessionCreated {
        session,
        timeout_ms,
        password,
    }) = out.result
    else {
        panic!("{out:?}")
    };
    assert_eq!(session, session_id(3, z));
    assert_eq!(session >> 56, 3);
    assert_eq!((timeout_ms, password), (4000, [9; 16]), "2·tickTime floor");
    let long = h.run(
        Command::new(Op::CreateSession {
            timeout_ms: 100_000,
            password: [1; 16],
        })
        .with_origin(3, 43),
    );
    let Ok(OpResult::SessionCreated {
        session: other,
        timeout_ms,
        ..
    }) = long.result
    else {
        panic!()
    };
    assert_eq!(timeout_ms, 40_000, "20·tickTime ceiling");
    assert_ne!(session, other);
    let stored = h.tree.session(session).unwrap();
    assert_eq!((stored.timeout_ms, stored.password), (4000, [9; 16]));
    assert!(out.triggers.is_empty());
}

#[test]
fn closing_a_session_removes_its_ephemerals_with_their_triggers() {
    let mut h = Harness::new();
    let s = h.session(30_000);
    let other = h.session(30_000);
    h.create(0, "/servers", b"", CreateMode::Persistent)
        .unwrap();
    let a = h
        .create(s, "/servers/host-", b"a", CreateMode::EphemeralSequential)
        .unwrap();
    h.create(s, "/lock", b"", CreateMode::Ephemeral).unwrap();
    h.create(other, "/mine", b"", CreateMode::Ephemeral)
        .unwrap();
    assert_eq!(
        h.tree.get_ephemerals(s, "/"),
        vec!["/lock".to_string(), a.clone()]
    );
    assert_eq!(h.tree.get_ephemerals(s, "/serv"), vec![a.clone()]);
    let z = h.zxid();
    let out = h.op(s, Op::CloseSession);
    let Ok(OpResult::SessionClosed {
        existed: true,
        ephemerals,
        ..
    }) = &out.result
    else {
        panic!("{out:?}")
    };
    assert_eq!(ephemerals, &vec!["/lock".to_string(), a.clone()]);
    let events: Vec<(&str, EventType)> = out
        .triggers
        .iter()
        .map(|t| (t.path.as_str(), t.event))
        .collect();
    assert_eq!(
        events,
        [
            ("/lock", EventType::NodeDeleted),
            ("/", EventType::NodeChildrenChanged),
            (a.as_str(), EventType::NodeDeleted),
            ("/servers", EventType::NodeChildrenChanged),
        ]
    );
    assert!(out.triggers.iter().all(|t| t.zxid == z));
    assert!(h.tree.session(s).is_none());
    assert!(h.tree.exists("/lock").is_err());
    assert!(
        h.tree.exists("/mine").is_ok(),
        "another session's ephemeral stays"
    );
    assert_eq!(h.stat("/servers").pzxid, z.0 as i64);
}

#[test]
fn close_and_expiry_are_idempotent() {
    let mut h = Harness::new();
    let s = h.session(30_000);
    h.create(s, "/e", b"", CreateMode::Ephemeral).unwrap();
    let first = h.op(0, Op::ExpireSession { session: s });
    assert!(matches!(
        first.result,
        Ok(OpResult::SessionClosed { existed: true, .. })
    ));
    let before = h.tree.snapshot();
    for op in [Op::ExpireSession { session: s }, Op::CloseSession] {
        let again = h.op(s, op);
        assert_eq!(
            again.result,
            Ok(OpResult::SessionClosed {
                session: s,
                existed: false,
                ephemerals: vec![]
            })
        );
        assert!(again.triggers.is_empty());
    }
    assert_eq!(h.tree.snapshot()[20..], before[20..]);
}

#[test]
fn a_dead_session_can_neither_write_nor_own_an_ephemeral() {
    let mut h = Harness::new();
    let s = h.session(30_000);
    h.op(s, Op::CloseSession);
    assert_eq!(
        h.create(s, "/late", b"", CreateMode::Ephemeral),
        Err(ErrorCode::SessionExpired)
    );
    assert_eq!(
        h.create(s, "/late", b"", CreateMode::Persistent),
        Err(ErrorCode::SessionExpired)
    );
    assert!(h.tree.get_ephemerals(s, "/").is_empty());
}

#[test]
fn the_tracker_decides_and_the_tree_applies_expiry() {
    let cfg = TreeConfig::default();
    let mut h = Harness::with_config(cfg);
    let quiet = h.session(4000);
    let chatty = h.session(4000);
    h.create(quiet, "/q", b"", CreateMode::Ephemeral).unwrap();
    h.create(chatty, "/c", b"", CreateMode::Ephemeral).unwrap();
    let mut tracker = SessionTracker::new();
    tracker.sync(h.tree.sessions().map(|s| (s.id, s.timeout_ms)), 0);
    tracker.set_keeper(true, 0);
    let mut now = 0;
    let mut expired = Vec::new();
    while now <= 10_000 {
        tracker.report([chatty], now);
        for id in tracker.expired(now) {
            let out = h.op(0, Op::ExpireSession { session: id });
            if let Ok(OpResult::SessionClosed {
                session,
                existed: true,
                ..
            }) = out.result
            {
                tracker.removed(session);
                expired.push((session, now));
            }
        }
        now += 500;
    }
    assert_eq!(expired, vec![(quiet, 4500)]);
    assert!(h.tree.exists("/q").is_err());
    assert!(h.tree.exists("/c").is_ok());
}
