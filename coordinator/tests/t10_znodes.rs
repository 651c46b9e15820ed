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
