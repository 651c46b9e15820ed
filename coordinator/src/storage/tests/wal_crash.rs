//! Checkpoint rotation, and recovery from a crash at every step of it: the
//! directory is left exactly as each intermediate step would leave it.

use std::path::Path;

use super::{Log, batch, fold, names};
use crate::storage::{Wal, WalError};

const SEG0: &str = "segment.0000000000000000";
const SEG1: &str = "segment.0000000000000001";
const SEG1_TMP: &str = "segment.0000000000000001.tmp";

/// The bytes of segment 0 holding batches 0..5, and of segment 1 as a
/// checkpoint of that state writes it.
fn segments() -> (Vec<u8>, Vec<u8>) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut wal, _) = Wal::<Log>::open(tmp.path()).expect("open");
    for i in 0..5 {
        wal.append_batch(&batch(i)).expect("append");
    }
    let seg0 = std::fs::read(tmp.path().join(SEG0)).expect("read seg0");
    wal.checkpoint(&fold((0..5).map(batch)))
        .expect("checkpoint");
    assert_eq!(names(tmp.path()), vec![SEG1]);
    let seg1 = std::fs::read(tmp.path().join(SEG1)).expect("read seg1");
    (seg0, seg1)
}

fn stage(dir: &Path, files: &[(&str, &[u8])]) {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("stage file");
    }
}

/// Opens `dir`, checks it recovers batches 0..5 from `segment`, appends and
/// checks that survives a reopen.
fn recovers(dir: &Path, segment: &str, removed: &[&str]) {
    let (mut wal, recovery) = Wal::<Log>::open(dir).expect("open");
    assert_eq!(recovery.durable, fold((0..5).map(batch)));
    assert_eq!(recovery.report.segment, dir.join(segment));
    assert_eq!(recovery.report.truncated, None);
    let gone: Vec<_> = removed.iter().map(|n| dir.join(n)).collect();
    assert_eq!(recovery.report.removed, gone);
    assert_eq!(names(dir), vec![segment]);
    wal.append_batch(&batch(5)).expect("append");
    drop(wal);
    let (_, again) = Wal::<Log>::open(dir).expect("reopen");
    assert_eq!(again.durable, fold((0..6).map(batch)));
}

#[test]
fn a_checkpoint_replaces_the_old_segment() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut wal, _) = Wal::<Log>::open(tmp.path()).expect("open");
    for i in 0..5 {
        wal.append_batch(&batch(i)).expect("append");
    }
    wal.checkpoint(&fold((0..5).map(batch)))
        .expect("checkpoint");
    for i in 5..8 {
        wal.append_batch(&batch(i)).expect("append");
    }
    assert_eq!(names(tmp.path()), vec![SEG1]);
    drop(wal);
    let (mut wal, recovery) = Wal::<Log>::open(tmp.path()).expect("reopen");
    assert_eq!(recovery.durable, fold((0..8).map(batch)));
    assert_eq!(
        recovery.report.batches, 3,
        "only batches after the checkpoint are replayed"
    );
    wal.checkpoint(&recovery.durable)
        .expect("second checkpoint");
    assert_eq!(names(tmp.path()), vec!["segment.0000000000000002"]);
}

#[test]
fn a_crash_while_writing_the_new_segment_recovers_the_old_one() {
    let (seg0, seg1) = segments();
    for cut in [0, 10, seg1.len() / 2, seg1.len() - 1] {
        let tmp = tempfile::tempdir().expect("tempdir");
        stage(tmp.path(), &[(SEG0, &seg0), (SEG1_TMP, &seg1[..cut])]);
        recovers(tmp.path(), SEG0, &[SEG1_TMP]);
    }
}

#[test]
fn a_crash_before_the_rename_recovers_the_old_segment() {
    let (seg0, seg1) = segments();
    let tmp = tempfile::tempdir().expect("tempdir");
    stage(tmp.path(), &[(SEG0, &seg0), (SEG1_TMP, &seg1)]);
    recovers(tmp.path(), SEG0, &[SEG1_TMP]);
}

#[test]
fn a_crash_before_deleting_the_old_segment_recovers_the_new_one() {
    let (seg0, seg1) = segments();
    let tmp = tempfile::tempdir().expect("tempdir");
    stage(tmp.path(), &[(SEG0, &seg0), (SEG1, &seg1)]);
    recovers(tmp.path(), SEG1, &[SEG0]);
}

#[test]
fn a_crash_after_the_checkpoint_recovers_the_new_segment() {
    let (_, seg1) = segments();
    let tmp = tempfile::tempdir().expect("tempdir");
    stage(tmp.path(), &[(SEG1, &seg1)]);
    recovers(tmp.path(), SEG1, &[]);
}

#[test]
fn a_crash_creating_the_first_segment_starts_fresh() {
    let (seg0, _) = segments();
    let tmp = tempfile::tempdir().expect("tempdir");
    stage(tmp.path(), &[("segment.0000000000000000.tmp", &seg0[..20])]);
    let (_, recovery) = Wal::<Log>::open(tmp.path()).expect("open");
    assert!(recovery.report.created);
    assert_eq!(recovery.durable, Log::default());
    assert_eq!(names(tmp.path()), vec![SEG0]);
}

#[test]
fn a_damaged_checkpoint_or_header_refuses_to_open() {
    let (_, seg1) = segments();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut bad = seg1.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    stage(tmp.path(), &[(SEG1, &bad)]);
    assert!(matches!(
        Wal::<Log>::open(tmp.path()),
        Err(WalError::MissingCheckpoint { file }) if file == tmp.path().join(SEG1)
    ));
    let mut bad = seg1;
    bad[0] ^= 1;
    stage(tmp.path(), &[(SEG1, &bad)]);
    assert!(matches!(
        Wal::<Log>::open(tmp.path()),
        Err(WalError::BadHeader { file }) if file == tmp.path().join(SEG1)
    ));
}
