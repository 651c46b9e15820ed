//! The eleven Stat fields, maintained exactly as ZooKeeper's DataTree and
//! DataNode.copyStat do (zk-wire-protocol.md §10.1–10.2).

mod common;

use common::Harness;
use coordinator::{Acl, CreateMode, EventType, Id, Op, OpResult, SetAclRequest, Stat, acl::perms};
use protocols::Zxid;

#[test]
fn a_fresh_tree_matches_a_fresh_zookeeper() {
    let h = Harness::new();
    let t = &h.tree;
    assert_eq!(t.get_children("/").unwrap(), ["zookeeper"]);
    assert_eq!(t.get_children("/zookeeper").unwrap(), ["config", "quota"]);
    let root = t.exists("/").unwrap();
    assert_eq!(
        root,
        Stat {
            cversion: -1,
            num_children: 1,
            ..Stat::default()
        }
    );
    assert_eq!(t.exists("").unwrap(), root, "the empty path reads the root");
    let zk = t.exists("/zookeeper").unwrap();
    assert_eq!((zk.cversion, zk.num_children), (-2, 2));
    assert_eq!(t.exists("/zookeeper/quota").unwrap(), Stat::default());
    let (acl, config) = t.get_acl("/zookeeper/config").unwrap();
    assert_eq!(
        config,
        Stat {
            aversion: -1,
            ..Stat::default()
        }
    );
    assert_eq!(acl, vec![Acl::new(perms::READ, Id::anyone())]);
    assert_eq!(t.get_acl("/").unwrap().0, Acl::open_unsafe());
    assert_eq!(
        t.get_data("/").unwrap().0,
        Some(&b""[..]),
        "root data is empty, not null"
    );
    assert_eq!(t.get_all_children_number("/"), Ok(3));
    assert_eq!(t.node_count(), 4);
}

#[test]
fn create_sets_the_node_stat_and_bumps_the_parents_cversion_and_pzxid() {
    let mut h = Harness::new();
    h.create(0, "/p", b"parent", CreateMode::Persistent)
        .unwrap();
    let parent_before = h.stat("/p");
    let z = h.zxid();
    h.create(0, "/p/c", b"hello", CreateMode::Persistent)
        .unwrap();
    let c = h.stat("/p/c");
    let zi = z.0 as i64;
    assert_eq!(
        zi, 0x1_0000_0002,
        "zxids print like ZooKeeper's 0x100000002"
    );
    assert_eq!((c.czxid, c.mzxid, c.pzxid), (zi, zi, zi));
    assert_eq!(c.ctime, h.now_ms);
    assert_eq!(c.mtime, c.ctime);
    assert_eq!((c.version, c.cversion, c.aversion), (0, 0, 0));
    assert_eq!(
        (c.ephemeral_owner, c.data_length, c.num_children),
        (0, 5, 0)
    );
    let p = h.stat("/p");
    assert_eq!(p.pzxid, zi);
    assert_eq!(p.cversion, parent_before.cversion + 1);
    assert_eq!(p.num_children, 1);
    assert_eq!(
        (p.mzxid, p.mtime, p.version),
        (parent_before.mzxid, parent_before.mtime, 0),
        "data untouched"
    );
}

#[test]
fn visible_cversion_counts_creates_and_deletes_but_sequence_counts_creates() {
    // zk-wire-protocol.md §10.2: 3 creates ⇒ 3; 1 delete ⇒ 4; next create ⇒ 5,
    // and after n-0..n-2 and deleting n-1 the next name is n-0000000003.
    let mut h = Harness::new();
    h.create(0, "/s", b"", CreateMode::Persistent).unwrap();
    for i in 0..3 {
        let p = h
            .create(0, "/s/n-", b"", CreateMode::PersistentSequential)
            .unwrap();
        assert_eq!(p, format!("/s/n-{i:010}"));
    }
    assert_eq!(h.stat("/s").cversion, 3);
    let z = h.zxid();
    h.delete("/s/n-0000000001", -1).unwrap();
    let s = h.stat("/s");
    assert_eq!((s.cversion, s.num_children, s.pzxid), (4, 2, z.0 as i64));
    assert_eq!(
        h.create(0, "/s/n-", b"", CreateMode::PersistentSequential)
            .unwrap(),
        "/s/n-0000000003"
    );
    assert_eq!(h.stat("/s").cversion, 5);
}

#[test]
fn set_data_changes_mzxid_mtime_version_and_length_only() {
    let mut h = Harness::new();
    h.create(0, "/d", b"one", CreateMode::Persistent).unwrap();
    let before = h.stat("/d");
    let z = h.zxid();
    let stat = h.set("/d", b"three", 0).unwrap();
    assert_eq!(stat, h.stat("/d"), "setData answers the new stat");
    assert_eq!(
        (stat.mzxid, stat.version, stat.data_length),
        (z.0 as i64, 1, 5)
    );
    assert_eq!(stat.mtime, h.now_ms);
    assert!(stat.mtime > before.mtime);
    assert_eq!(
        (stat.czxid, stat.ctime, stat.pzxid, stat.cversion),
        (before.czxid, before.ctime, before.pzxid, 0)
    );
    assert_eq!(
        h.set("/d", b"x", 0),
        Err(coordinator::ErrorCode::BadVersion)
    );
    assert_eq!(h.set("/d", b"x", -1).unwrap().version, 2);
}

#[test]
fn set_acl_bumps_aversion_only_and_fires_nothing() {
    let mut h = Harness::new();
    h.create(0, "/acl", b"", CreateMode::Persistent).unwrap();
    let before = h.stat("/acl");
    let acl = vec![Acl::new(perms::READ | perms::ADMIN, Id::anyone())];
    let out = h.op(
        0,
        Op::SetAcl(SetAclRequest {
            path: "/acl".into(),
            acl: acl.clone(),
            version: 0,
        }),
    );
    let Ok(OpResult::AclSet { stat }) = out.result else {
        panic!("{:?}", out.result)
    };
    assert!(out.triggers.is_empty());
    assert_eq!(
        stat,
        Stat {
            aversion: 1,
            ..before
        }
    );
    assert_eq!(h.tree.get_acl("/acl").unwrap().0, acl);
    // The new ACL is enforced: no WRITE for anyone now.
    assert_eq!(h.set("/acl", b"x", -1), Err(coordinator::ErrorCode::NoAuth));
}

#[test]
fn null_and_empty_data_are_distinct_but_both_have_length_zero() {
    let mut h = Harness::new();
    h.op(
        0,
        Op::Create(coordinator::CreateRequest::new(
            "/null",
            None,
            CreateMode::Persistent,
        )),
    );
    h.create(0, "/empty", b"", CreateMode::Persistent).unwrap();
    let (null, ns) = h.tree.get_data("/null").unwrap();
    let (empty, es) = h.tree.get_data("/empty").unwrap();
    assert_eq!((null, empty), (None, Some(&b""[..])));
    assert_eq!((ns.data_length, es.data_length), (0, 0));
}

#[test]
fn ephemeral_owner_shows_the_session_and_containers_show_zero() {
    let cfg = coordinator::TreeConfig {
        extended_types_enabled: true,
        ..Default::default()
    };
    let mut h = Harness::with_config(cfg);
    let s = h.session(10_000);
    h.create(s, "/e", b"", CreateMode::Ephemeral).unwrap();
    h.create(0, "/c", b"", CreateMode::Container).unwrap();
    let ttl =
        coordinator::CreateRequest::new("/t", None, CreateMode::PersistentWithTtl).with_ttl(5000);
    assert!(h.op(0, Op::Create(ttl)).result.is_ok());
    assert_eq!(h.stat("/e").ephemeral_owner, s);
    assert_eq!(h.stat("/c").ephemeral_owner, 0);
    assert_eq!(h.stat("/t").ephemeral_owner, 0);
}

#[test]
fn delete_raises_deleted_and_parent_children_changed() {
    let mut h = Harness::new();
    h.create(0, "/x", b"", CreateMode::Persistent).unwrap();
    h.create(0, "/x/y", b"", CreateMode::Persistent).unwrap();
    let z = h.zxid();
    let out = h.op(
        0,
        Op::Delete(coordinator::DeleteRequest {
            path: "/x/y".into(),
            version: 0,
        }),
    );
    assert_eq!(out.result, Ok(OpResult::Deleted));
    let events: Vec<(&str, EventType, Zxid)> = out
        .triggers
        .iter()
        .map(|t| (t.path.as_str(), t.event, t.zxid))
        .collect();
    assert_eq!(
        events,
        [
            ("/x/y", EventType::NodeDeleted, z),
            ("/x", EventType::NodeChildrenChanged, z)
        ]
    );
    let out = h.op(
        0,
        Op::SetData(coordinator::SetDataRequest {
            path: "/x".into(),
            data: None,
            version: -1,
        }),
    );
    assert_eq!(out.triggers.len(), 1);
    assert_eq!(
        (out.triggers[0].path.as_str(), out.triggers[0].event),
        ("/x", EventType::NodeDataChanged)
    );
}
