//! multi: all or nothing, ops see each other, and ZooKeeper's per-op codes
//! on failure (zk-wire-protocol.md §7).

mod common;

use common::Harness;
use coordinator::{
    CheckRequest, CreateMode, CreateRequest, DeleteRequest, ErrorCode, EventType, MultiOp,
    MultiOpResult, MultiResult, Op, OpResult, SetDataRequest,
};

fn create(p: &str, mode: CreateMode) -> MultiOp {
    MultiOp::Create(CreateRequest::new(p, Some(p.as_bytes().to_vec()), mode))
}
fn delete(p: &str, version: i32) -> MultiOp {
    MultiOp::Delete(DeleteRequest {
        path: p.into(),
        version,
    })
}
fn set(p: &str, d: &[u8], version: i32) -> MultiOp {
    MultiOp::SetData(SetDataRequest {
        path: p.into(),
        data: Some(d.to_vec()),
        version,
    })
}
fn check(p: &str, version: i32) -> MultiOp {
    MultiOp::Check(CheckRequest {
        path: p.into(),
        version,
    })
}

fn multi(
    h: &mut Harness,
    session: i64,
    ops: Vec<MultiOp>,
) -> (MultiResult, Vec<coordinator::Trigger>) {
    let out = h.op(session, Op::Multi(ops));
    match out.result {
        Ok(OpResult::Multi(r)) => (r, out.triggers),
        other => panic!("multi answered {other:?}"),
    }
}

#[test]
fn a_committed_multi_applies_every_op_at_one_zxid_and_ops_see_earlier_ones() {
    let mut h = Harness::new();
    h.create(0, "/old", b"", CreateMode::Persistent).unwrap();
    let z = h.zxid();
    let (r, triggers) = multi(
        &mut h,
        0,
        vec![
            create("/m", CreateMode::Persistent),
            create("/m/s-", CreateMode::PersistentSequential),
            create("/m/s-", CreateMode::PersistentSequential),
            set("/m", b"v1", 0),
            check("/m", 1),
            delete("/old", 0),
        ],
    );
    let MultiResult::Committed(results) = r else {
        panic!("{r:?}")
    };
    let paths: Vec<&str> = results
        .iter()
        .filter_map(|r| match r {
            MultiOpResult::Created { path, .. } => Some(path.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(paths, ["/m", "/m/s-0000000000", "/m/s-0000000001"]);
    assert!(
        matches!(results[3], MultiOpResult::DataSet { stat } if stat.version == 1 && stat.mzxid == z.0 as i64)
    );
    assert_eq!(
        (&results[4], &results[5]),
        (&MultiOpResult::Checked, &MultiOpResult::Deleted)
    );
    assert!(triggers.iter().all(|t| t.zxid == z));
    let kinds: Vec<(&str, EventType)> = triggers
        .iter()
        .map(|t| (t.path.as_str(), t.event))
        .collect();
    assert_eq!(
        kinds,
        [
            ("/m", EventType::NodeCreated),
            ("/", EventType::NodeChildrenChanged),
            ("/m/s-0000000000", EventType::NodeCreated),
            ("/m", EventType::NodeChildrenChanged),
            ("/m/s-0000000001", EventType::NodeCreated),
            ("/m", EventType::NodeChildrenChanged),
            ("/m", EventType::NodeDataChanged),
            ("/old", EventType::NodeDeleted),
            ("/", EventType::NodeChildrenChanged),
        ]
    );
    assert_eq!(h.tree.get_data("/m").unwrap().0, Some(&b"v1"[..]));
}

#[test]
fn a_failing_op_aborts_everything_with_zookeepers_per_op_codes() {
    // The kazoo capture: create / check(bad version) / delete ⇒ 0, -103, -2.
    let mut h = Harness::new();
    h.create(0, "/c", b"", CreateMode::Persistent).unwrap();
    let before = h.tree.snapshot();
    let (r, triggers) = multi(
        &mut h,
        0,
        vec![
            create("/x", CreateMode::Persistent),
            check("/c", 5),
            delete("/c", -1),
        ],
    );
    assert_eq!(
        r,
        MultiResult::Aborted {
            failed: 1,
            error: ErrorCode::BadVersion,
            ops: 3
        }
    );
    assert_eq!(
        r.codes(),
        [
            ErrorCode::Ok,
            ErrorCode::BadVersion,
            ErrorCode::RuntimeInconsistency
        ]
    );
    assert!(triggers.is_empty());
    assert!(h.tree.exists("/x").is_err());
    assert_eq!(h.tree.snapshot()[20..], before[20..], "only the zxid moved");
}

#[test]
fn rollback_restores_deleted_subtrees_data_versions_and_counters() {
    let mut h = Harness::new();
    let s = h.session(10_000);
    h.create(0, "/a", b"a", CreateMode::Persistent).unwrap();
    h.create(0, "/a/b", b"b", CreateMode::Persistent).unwrap();
    h.create(s, "/eph", b"", CreateMode::Ephemeral).unwrap();
    h.set("/a/b", b"b2", -1).unwrap();
    let before = h.tree.snapshot();
    let ephemerals = h.tree.get_ephemerals(s, "/");
    let (r, _) = multi(
        &mut h,
        s,
        vec![
            set("/a/b", b"b3", 1),
            delete("/a/b", 2),
            delete("/a", -1),
            delete("/eph", -1),
            create("/eph2", CreateMode::EphemeralSequential),
            create("/new-", CreateMode::PersistentSequential),
            create("/a", CreateMode::Persistent),
            create("/nope/x", CreateMode::Persistent),
        ],
    );
    assert_eq!(
        r,
        MultiResult::Aborted {
            failed: 7,
            error: ErrorCode::NoNode,
            ops: 8
        }
    );
    assert_eq!(h.tree.snapshot()[20..], before[20..]);
    assert_eq!(
        h.tree.get_ephemerals(s, "/"),
        ephemerals,
        "the session's ephemerals are back"
    );
    assert_eq!(h.tree.get_children("/a").unwrap(), ["b"]);
    // The restored counters name the next sequential node as if nothing happened.
    assert_eq!(
        h.create(0, "/new-", b"", CreateMode::PersistentSequential)
            .unwrap(),
        "/new-0000000002",
        "root had two creates: /a and /eph"
    );
}

#[test]
fn an_empty_multi_commits_nothing_and_multi_from_a_dead_session_fails_whole() {
    let mut h = Harness::new();
    let (r, t) = multi(&mut h, 0, vec![]);
    assert_eq!((r, t.len()), (MultiResult::Committed(vec![]), 0));
    let out = h.op(0x55, Op::Multi(vec![check("/", -1)]));
    assert_eq!(out.result, Err(ErrorCode::SessionExpired));
}

#[test]
fn the_failing_op_is_the_first_one_in_order() {
    let mut h = Harness::new();
    let (r, _) = multi(
        &mut h,
        0,
        vec![delete("/nope", -1), create("raw", CreateMode::Persistent)],
    );
    assert_eq!(
        r.codes(),
        [ErrorCode::NoNode, ErrorCode::RuntimeInconsistency]
    );
    let (r, _) = multi(
        &mut h,
        0,
        vec![
            create("/d", CreateMode::Persistent),
            create("/d", CreateMode::Persistent),
        ],
    );
    assert_eq!(r.codes(), [ErrorCode::Ok, ErrorCode::NodeExists]);
    assert!(h.tree.exists("/d").is_err());
}
