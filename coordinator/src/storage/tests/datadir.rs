//! The dataDir lock.

use crate::storage::{DataDir, LockError};

#[test]
fn a_second_server_cannot_lock_the_same_data_dir() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("data");
    let held = DataDir::lock(&root).expect("first lock");
    assert_eq!(held.wal_dir(), root.join("wal"));
    assert_eq!(held.snapshot_dir(), root.join("snapshots"));
    let err = DataDir::lock(&root).expect_err("second lock must fail");
    match &err {
        LockError::Held { dir, holder } => {
            assert_eq!(dir, &root);
            assert_eq!(
                holder.as_deref(),
                Some(std::process::id().to_string().as_str())
            );
        }
        other => panic!("expected Held, got {other:?}"),
    }
    assert!(err.to_string().contains(&root.display().to_string()));
    drop(held);
    DataDir::lock(&root).expect("free again once the holder is gone");
}
