//! Znode operations against the seed's walkthrough shapes and ZooKeeper's
//! documented behaviour (zk-wire-protocol.md §10).

mod common;

use common::Harness;
use coordinator::{CreateMode, EventType, Op, Trigger};

#[test]
fn seed_sequential_names_count_the_parents_creates() {
    let mut h = Harness::new();
    h.create(0, "/sanguo", b"jinlian", CreateMode::Persistent)
        .unwrap();
    h.create(0, "/sanguo/weiguo", b"caocao", CreateMode::Persistent)
        .unwrap();
    let names: Vec<String> = ["xiaoqiao", "daqiao", "diaocan"]
        .iter()
        .map(|n| {
            h.create(
                0,
                &format!("/sanguo/weiguo/{n}"),
                b"jinlian",
                CreateMode::PersistentSequential,
            )
            .unwrap()
        })
        .collect();
    assert_eq!(
        names,
        [
            "/sanguo/weiguo/xiaoqiao0000000000",
            "/sanguo/weiguo/daqiao0000000001",
            "/sanguo/weiguo/diaocan0000000002"
        ]
    );
}

#[test]
fn create_raises_created_and_parent_children_changed() {
    let mut h = Harness::new();
    let z = h.zxid();
    let out = h.op(
        0,
        Op::Create(coordinator::CreateRequest::new(
            "/a",
            None,
            CreateMode::Persistent,
        )),
    );
    assert!(out.result.is_ok());
    assert_eq!(
        out.triggers,
        vec![
            Trigger {
                path: "/a".into(),
                event: EventType::NodeCreated,
                zxid: z
            },
            Trigger {
                path: "/".into(),
                event: EventType::NodeChildrenChanged,
                zxid: z
            },
        ]
    );
    let (data, _) = h.tree.get_data("/a").unwrap();
    assert_eq!(data, None, "null data stays null");
}

#[test]
fn reads_answer_like_zookeeper() {
    let mut h = Harness::new();
    h.create(0, "/r", b"d", CreateMode::Persistent).unwrap();
    h.create(0, "/r/a", b"", CreateMode::Persistent).unwrap();
    h.create(0, "/r/a/x", b"", CreateMode::Persistent).unwrap();
    h.create(0, "/r-b", b"", CreateMode::Persistent).unwrap();
    assert_eq!(
        h.tree.get_all_children_number("/r"),
        Ok(2),
        "/r-b is not under /r"
    );
    assert_eq!(h.tree.get_all_children_number("/"), Ok(7));
    let (children, stat) = h.tree.get_children2("/r").unwrap();
    assert_eq!((children, stat.num_children), (vec!["a".to_string()], 1));
    use coordinator::ErrorCode;
    assert_eq!(
        h.tree.get_data("//x").map(|_| ()),
        Err(ErrorCode::NoNode),
        "reads do not validate"
    );
    assert_eq!(h.tree.get_children("x"), Err(ErrorCode::NoNode));
    assert_eq!(
        h.tree.exists("/r\0"),
        Err(ErrorCode::BadArguments),
        "exists rejects NUL"
    );
    assert_eq!(h.tree.get_acl("/nope").map(|_| ()), Err(ErrorCode::NoNode));
}

#[test]
fn sequential_with_a_trailing_slash_names_the_child_by_number() {
    let mut h = Harness::new();
    h.create(0, "/raw", b"", CreateMode::Persistent).unwrap();
    assert_eq!(
        h.create(0, "/raw/", b"", CreateMode::PersistentSequential)
            .unwrap(),
        "/raw/0000000000"
    );
    // Creating under /zookeeper is allowed.
    assert!(
        h.create(0, "/zookeeper/mine", b"", CreateMode::Persistent)
            .is_ok()
    );
}

#[test]
fn acls_are_enforced_with_the_commands_identities() {
    use coordinator::{Acl, Command, CreateRequest, ErrorCode, Id, SetDataRequest, acl::perms};
    let mut h = Harness::new();
    let alice = Id::new("digest", "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=");
    let acl = vec![
        Acl::new(perms::ALL, Id::new("auth", "")),
        Acl::new(perms::READ, Id::anyone()),
    ];
    let req =
        CreateRequest::new("/private", Some(b"s".to_vec()), CreateMode::Persistent).with_acl(acl);
    let out = h.run(
        Command::new(Op::Create(req)).with_auth(vec![Id::new("ip", "127.0.0.1"), alice.clone()]),
    );
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(
        h.tree.get_acl("/private").unwrap().0,
        vec![
            Acl::new(perms::ALL, alice.clone()),
            Acl::new(perms::READ, Id::anyone())
        ],
        "auth became the authenticated (non-ip) identities"
    );
    let set = |who: Vec<Id>| {
        Command::new(Op::SetData(SetDataRequest {
            path: "/private".into(),
            data: None,
            version: -1,
        }))
        .with_auth(who)
    };
    assert_eq!(h.run(set(vec![])).result.err(), Some(ErrorCode::NoAuth));
    assert!(h.run(set(vec![alice])).result.is_ok());
    assert!(h.run(set(vec![Id::new("super", "")])).result.is_ok());
    assert_eq!(h.tree.check_perm("/private", perms::READ, &[]), Ok(()));
    assert_eq!(
        h.tree.check_perm("/private", perms::WRITE, &[]),
        Err(ErrorCode::NoAuth)
    );
}

#[test]
fn containers_and_ttl_nodes_are_cleaned_up_only_when_they_qualify() {
    use coordinator::{CreateRequest, ErrorCode, OpResult, TreeConfig};
    let cfg = TreeConfig {
        extended_types_enabled: true,
        ..TreeConfig::default()
    };
    let mut h = Harness::with_config(cfg);
    h.create(0, "/c", b"", CreateMode::Container).unwrap();
    h.create(0, "/never", b"", CreateMode::Container).unwrap();
    h.op(
        0,
        Op::Create(CreateRequest::new("/t", None, CreateMode::PersistentWithTtl).with_ttl(5_000)),
    );
    h.create(0, "/c/x", b"", CreateMode::Persistent).unwrap();
    let t_mtime = h.stat("/t").mtime;
    assert!(
        h.tree.cleanup_candidates(h.now_ms).is_empty(),
        "/c has a child, /never never had one"
    );
    h.delete("/c/x", -1).unwrap();
    assert_eq!(
        h.tree.cleanup_candidates(t_mtime + 5_000),
        vec!["/c".to_string()]
    );
    assert_eq!(
        h.tree.cleanup_candidates(t_mtime + 5_001),
        vec!["/c".to_string(), "/t".to_string()]
    );
    // Re-checked at apply time with the command's clock.
    let early = coordinator::Command::new(Op::DeleteContainer { path: "/t".into() })
        .with_time(t_mtime + 10);
    let z = h.zxid();
    h.next += 1;
    assert_eq!(h.tree.apply(z, &early).result, Err(ErrorCode::BadArguments));
    let out = h.op(0, Op::DeleteContainer { path: "/c".into() });
    assert_eq!(out.result, Ok(OpResult::Deleted));
    assert_eq!(out.triggers.len(), 2);
    assert_eq!(
        h.op(0, Op::DeleteContainer { path: "/c".into() }).result,
        Err(ErrorCode::NoNode)
    );
    assert_eq!(
        h.op(
            0,
            Op::DeleteContainer {
                path: "/never".into()
            }
        )
        .result,
        Err(ErrorCode::BadArguments)
    );
    h.now_ms = t_mtime + 6_000;
    assert_eq!(
        h.op(0, Op::DeleteContainer { path: "/t".into() }).result,
        Ok(OpResult::Deleted)
    );
}

#[test]
fn ephemerals_cannot_have_children_and_stay_with_their_session() {
    use coordinator::ErrorCode;
    let mut h = Harness::new();
    let s = h.session(30_000);
    h.create(s, "/e", b"", CreateMode::Ephemeral).unwrap();
    assert_eq!(
        h.create(s, "/e/c", b"", CreateMode::Persistent),
        Err(ErrorCode::NoChildrenForEphemerals)
    );
    assert_eq!(
        h.create(s, "/e/c", b"", CreateMode::EphemeralSequential),
        Err(ErrorCode::NoChildrenForEphemerals)
    );
    assert_eq!(h.tree.get_ephemerals(s, "/"), vec!["/e".to_string()]);
    h.delete("/e", -1).unwrap();
    assert!(
        h.tree.get_ephemerals(s, "/").is_empty(),
        "deleting an ephemeral unindexes it"
    );
}
