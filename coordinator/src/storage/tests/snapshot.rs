//! The snapshot store: atomic writes, fallback past damaged snapshots,
//! retention.

use protocols::types::Zxid;

use super::names;
use crate::storage::{SnapshotStore, SnapshotStoreError};

fn payload(zxid: Zxid) -> Vec<u8> {
    format!("tree at {zxid}").into_bytes()
}

fn accept_all(_: Zxid, bytes: &[u8]) -> Result<Vec<u8>, String> {
    Ok(bytes.to_vec())
}

#[test]
fn the_newest_snapshot_is_loaded_under_zookeepers_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = SnapshotStore::open(tmp.path().join("snapshots")).expect("open");
    assert_eq!(store.latest(accept_all).expect("latest"), None);
    for z in [Zxid::new(1, 2), Zxid::new(1, 9), Zxid::new(2, 1)] {
        store.write(z, &payload(z)).expect("write");
    }
    let loaded = store.latest(accept_all).expect("latest").expect("some");
    assert_eq!(loaded.zxid, Zxid::new(2, 1));
    assert_eq!(loaded.value, payload(Zxid::new(2, 1)));
    assert_eq!(loaded.file, store.dir().join("snapshot.200000001"));
    assert!(loaded.rejected.is_empty());
    assert_eq!(
        names(store.dir()),
        [
            "snapshot.100000002",
            "snapshot.100000009",
            "snapshot.200000001"
        ]
    );
}

#[test]
fn only_the_newest_few_are_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = SnapshotStore::open(tmp.path()).expect("open");
    for c in 1..=5 {
        store
            .write(Zxid::new(1, c), &payload(Zxid::new(1, c)))
            .expect("write");
    }
    let kept: Vec<Zxid> = store
        .list()
        .expect("list")
        .into_iter()
        .map(|(z, _)| z)
        .collect();
    assert_eq!(kept, [Zxid::new(1, 3), Zxid::new(1, 4), Zxid::new(1, 5)]);
    let store = store.with_retention(1);
    store.write(Zxid::new(1, 6), b"six").expect("write");
    assert_eq!(names(store.dir()), ["snapshot.100000006"]);
}

#[test]
fn a_damaged_newest_snapshot_falls_back_to_the_previous_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = SnapshotStore::open(tmp.path()).expect("open");
    let (old, new) = (Zxid::new(1, 1), Zxid::new(1, 2));
    store.write(old, &payload(old)).expect("write");
    let newest = store.write(new, &payload(new)).expect("write");
    for damage in [Damage::Flip, Damage::Truncate] {
        let good = std::fs::read(&newest).expect("read");
        let mut bad = good.clone();
        match damage {
            Damage::Flip => bad[25] ^= 4,
            Damage::Truncate => bad.truncate(good.len() - 3),
        }
        std::fs::write(&newest, &bad).expect("damage");
        let loaded = store.latest(accept_all).expect("latest").expect("some");
        assert_eq!((loaded.zxid, loaded.value), (old, payload(old)));
        assert_eq!(loaded.rejected.len(), 1);
        assert_eq!(loaded.rejected[0].file, newest);
        std::fs::write(&newest, &good).expect("repair");
    }
}

enum Damage {
    Flip,
    Truncate,
}

#[test]
fn a_snapshot_the_caller_refuses_falls_back_and_none_usable_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = SnapshotStore::open(tmp.path()).expect("open");
    for c in 1..=3 {
        store
            .write(Zxid::new(1, c), &payload(Zxid::new(1, c)))
            .expect("write");
    }
    let refuse_newest = |z: Zxid, b: &[u8]| {
        if z == Zxid::new(1, 3) {
            Err("bad tree")
        } else {
            Ok(b.len())
        }
    };
    let loaded = store.latest(refuse_newest).expect("latest").expect("some");
    assert_eq!(loaded.zxid, Zxid::new(1, 2));
    assert!(loaded.rejected[0].reason.contains("bad tree"));
    let err = store
        .latest(|_, _| Err::<(), _>("no"))
        .expect_err("nothing usable");
    match err {
        SnapshotStoreError::NoneValid { dir, rejected } => {
            assert_eq!(dir, store.dir());
            assert_eq!(rejected.len(), 3);
        }
        other => panic!("expected NoneValid, got {other:?}"),
    }
}

#[test]
fn a_half_written_snapshot_never_counts_and_is_cleaned_up() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = SnapshotStore::open(tmp.path()).expect("open");
    store.write(Zxid::new(1, 1), b"one").expect("write");
    store
        .write(Zxid::new(1, 1), b"one, again")
        .expect("overwrite");
    assert_eq!(
        names(store.dir()),
        ["snapshot.100000001"],
        "no temp file is left behind"
    );
    // A crash between creating the temp file and renaming it.
    std::fs::write(store.dir().join("snapshot.100000002.tmp"), b"zlsnap").expect("stage");
    let loaded = store.latest(accept_all).expect("latest").expect("some");
    assert_eq!(
        (loaded.zxid, loaded.value),
        (Zxid::new(1, 1), b"one, again".to_vec())
    );
    let store = SnapshotStore::open(store.dir()).expect("reopen");
    assert_eq!(names(store.dir()), ["snapshot.100000001"]);
}
