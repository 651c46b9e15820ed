//! Snapshots: exact round trips (small varied trees and 100,000 znodes),
//! and typed errors for every kind of damage.

mod common;

use common::Harness;
use coordinator::{
    Acl, CreateMode, CreateRequest, DataTree, Id, Op, SnapshotError, TreeConfig, acl::perms,
};
use protocols::Zxid;

fn varied() -> Harness {
    let cfg = TreeConfig {
        extended_types_enabled: true,
        ..TreeConfig::default()
    };
    let mut h = Harness::with_config(cfg);
    let s1 = h.session(10_000);
    let s2 = h.session(20_000);
    h.create(0, "/app", b"config", CreateMode::Persistent)
        .unwrap();
    h.op(
        0,
        Op::Create(CreateRequest::new(
            "/app/null",
            None,
            CreateMode::Persistent,
        )),
    );
    h.create(0, "/app/empty", b"", CreateMode::Persistent)
        .unwrap();
    h.create(s1, "/app/e-", b"1", CreateMode::EphemeralSequential)
        .unwrap();
    h.create(s2, "/app/e-", b"2", CreateMode::EphemeralSequential)
        .unwrap();
    h.create(0, "/c", b"", CreateMode::Container).unwrap();
    h.create(0, "/c/x", b"", CreateMode::Persistent).unwrap();
    h.op(
        0,
        Op::Create(
            CreateRequest::new("/ttl", None, CreateMode::PersistentWithTtl).with_ttl(60_000),
        ),
    );
    let acl = vec![
        Acl::new(perms::READ, Id::anyone()),
        Acl::new(perms::ALL, Id::new("digest", "u:h")),
    ];
    h.op(
        0,
        Op::Create(
            CreateRequest::new("/secure", Some(vec![0, 255]), CreateMode::Persistent).with_acl(acl),
        ),
    );
    h.set("/app", b"v2", -1).unwrap();
    h.delete("/app/empty", -1).unwrap();
    h
}

#[test]
fn a_snapshot_restores_exactly_and_the_copy_continues_identically() {
    let mut h = varied();
    let bytes = h.tree.snapshot();
    assert_eq!(DataTree::snapshot_zxid(&bytes), Ok(h.tree.last_zxid()));
    let restored = DataTree::restore(&bytes, h.tree.config().clone()).unwrap();
    assert_eq!(restored, h.tree, "every node, stat, ACL, session and index");
    // Same future: same outcomes on both.
    let mut copy = Harness {
        tree: restored,
        next: h.next,
        now_ms: h.now_ms,
    };
    let s1 = h.tree.sessions().next().unwrap().id;
    for run in [&mut h, &mut copy] {
        run.create(0, "/app/s-", b"", CreateMode::PersistentSequential)
            .unwrap();
        run.op(s1, Op::CloseSession);
        run.op(0, Op::DeleteContainer { path: "/c".into() });
        run.delete("/c/x", -1).unwrap();
    }
    assert_eq!(copy.tree, h.tree);
    assert_eq!(h.tree.cleanup_candidates(h.now_ms), vec!["/c".to_string()]);
}

#[test]
fn a_hundred_thousand_znodes_round_trip() {
    let mut h = Harness::new();
    for d in 0..100 {
        h.create(0, &format!("/d{d:03}"), b"dir", CreateMode::Persistent)
            .unwrap();
    }
    for (z, i) in (h.next..).zip(0..99_900u32) {
        let data = Some(i.to_le_bytes().to_vec());
        let req = CreateRequest::new(
            format!("/d{:03}/n", i % 100),
            data,
            CreateMode::PersistentSequential,
        );
        let out = h
            .tree
            .apply(Zxid::new(1, z), &coordinator::Command::new(Op::Create(req)));
        assert!(out.result.is_ok());
    }
    assert_eq!(h.tree.node_count(), 100_000 + 4);
    let bytes = h.tree.snapshot();
    let restored = DataTree::restore(&bytes, TreeConfig::default()).unwrap();
    assert_eq!(restored.node_count(), h.tree.node_count());
    assert_eq!(restored.get_children("/d042").unwrap().len(), 999);
    assert_eq!(restored, h.tree);
}

#[test]
fn damage_is_a_typed_error_never_a_panic() {
    let h = varied();
    let good = h.tree.snapshot();
    let cfg = TreeConfig::default;
    assert_eq!(
        DataTree::restore(&good[..10], cfg()),
        Err(SnapshotError::TooShort(10))
    );
    let mut magic = good.clone();
    magic[0] ^= 1;
    assert_eq!(
        DataTree::restore(&magic, cfg()),
        Err(SnapshotError::BadMagic)
    );
    let mut version = good.clone();
    version[8] = 9;
    assert_eq!(
        DataTree::restore(&version, cfg()),
        Err(SnapshotError::UnsupportedVersion(9))
    );
    let body = (good.len() - 32) as u64;
    assert_eq!(
        DataTree::restore(&good[..good.len() - 1], cfg()),
        Err(SnapshotError::Truncated {
            expected: body,
            got: body - 1
        })
    );
    // Every truncation and every single-bit flip of the body is caught.
    for cut in 0..good.len() {
        assert!(
            DataTree::restore(&good[..cut], cfg()).is_err(),
            "cut at {cut}"
        );
    }
    for at in 32..good.len() {
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        assert!(
            matches!(
                DataTree::restore(&bad, cfg()),
                Err(SnapshotError::Checksum { .. })
            ),
            "flip at {at}"
        );
    }
}
