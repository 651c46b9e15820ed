//! The WAL's appends, replay, and handling of torn and corrupt frames.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Log, batch, fast_tempdir, fold, names};
use crate::storage::{Invalid, Recovery, Wal, WalError};

fn open(dir: &Path) -> (Wal<Log>, Recovery<Log>) {
    Wal::<Log>::open(dir).expect("open wal")
}

/// A WAL with batches `0..n` appended; returns its segment and the offset
/// at which each batch's frame starts.
fn wal_with(dir: &Path, n: u64) -> (PathBuf, Vec<u64>) {
    let (mut wal, _) = open(dir);
    let mut starts = Vec::new();
    for i in 0..n {
        starts.push(wal.segment_len());
        wal.append_batch(&batch(i)).expect("append");
    }
    assert_eq!(
        std::fs::metadata(wal.segment_path()).expect("stat").len(),
        wal.segment_len()
    );
    (wal.segment_path().to_path_buf(), starts)
}

fn flip(file: &Path, offset: u64) {
    let mut bytes = std::fs::read(file).expect("read");
    bytes[offset as usize] ^= 0x10;
    std::fs::write(file, bytes).expect("write");
}

#[test]
fn a_fresh_directory_recovers_the_default_state() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("wal");
    let (wal, recovery) = open(&dir);
    assert!(recovery.report.created);
    assert_eq!(recovery.durable, Log::default());
    assert_eq!(names(&dir), vec!["segment.0000000000000000"]);
    assert_eq!(wal.segment_path(), recovery.report.segment);
}

#[test]
fn a_thousand_batches_round_trip() {
    let tmp = fast_tempdir();
    let (mut wal, _) = open(tmp.path());
    for i in 0..1000 {
        wal.append_batch(&batch(i)).expect("append");
    }
    wal.append_batch(&[]).expect("an empty batch is a no-op");
    drop(wal);
    let (_, recovery) = open(tmp.path());
    assert_eq!(recovery.durable, fold((0..1000).map(batch)));
    assert_eq!(recovery.report.batches, 1000);
    assert_eq!(
        recovery.report.records,
        (0..1000).map(|i| batch(i).len()).sum::<usize>()
    );
    assert_eq!(recovery.report.truncated, None);
    assert!(!recovery.report.created);
}

#[test]
fn a_torn_tail_is_cut_wherever_the_crash_tore_it_and_appends_continue() {
    let tmp = fast_tempdir();
    let (file, starts) = wal_with(tmp.path(), 10);
    let whole = std::fs::read(&file).expect("read");
    let last = starts[9];
    for cut in last + 1..whole.len() as u64 {
        std::fs::write(&file, &whole[..cut as usize]).expect("tear");
        let (mut wal, recovery) = open(tmp.path());
        assert_eq!(recovery.durable, fold((0..9).map(batch)), "cut at {cut}");
        let t = recovery.report.truncated.expect("truncation reported");
        assert_eq!(
            (t.file.as_path(), t.offset, t.bytes_dropped),
            (file.as_path(), last, cut - last)
        );
        assert_eq!(std::fs::metadata(&file).expect("stat").len(), last);
        assert_eq!(wal.segment_len(), last);
        wal.append_batch(&batch(100)).expect("append after the cut");
        drop(wal);
        let (_, again) = open(tmp.path());
        assert_eq!(again.durable, fold((0..9).map(batch).chain([batch(100)])));
        assert_eq!(again.report.truncated, None);
    }
}

#[test]
fn a_flipped_byte_in_the_last_record_is_a_torn_tail() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (file, starts) = wal_with(tmp.path(), 5);
    let len = std::fs::metadata(&file).expect("stat").len();
    flip(&file, len - 1);
    let (_, recovery) = open(tmp.path());
    assert_eq!(recovery.durable, fold((0..4).map(batch)));
    let t = recovery.report.truncated.expect("truncated");
    assert_eq!((t.offset, t.bytes_dropped), (starts[4], len - starts[4]));
    assert_eq!(t.reason, Invalid::CrcMismatch.to_string());
}

#[test]
fn a_flipped_byte_in_a_middle_record_refuses_to_open() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (file, starts) = wal_with(tmp.path(), 6);
    // Once in a payload, once in a length field (which hides where the
    // following frame starts).
    for (target, at) in [(2, starts[2] + 9), (4, starts[4])] {
        let before = std::fs::read(&file).expect("read");
        flip(&file, at);
        let err = Wal::<Log>::open(tmp.path()).expect_err("corruption must be refused");
        let WalError::CorruptRecord {
            file: f,
            offset,
            next_valid,
            ..
        } = &err
        else {
            panic!("expected CorruptRecord, got {err:?}");
        };
        assert_eq!(
            (f, *offset, *next_valid),
            (&file, starts[target], starts[target + 1])
        );
        let message = err.to_string();
        assert!(
            message.contains(&file.display().to_string())
                && message.contains(&starts[target].to_string())
        );
        // Nothing was cut: restoring the byte restores the WAL.
        flip(&file, at);
        assert_eq!(std::fs::read(&file).expect("read"), before);
        assert_eq!(open(tmp.path()).1.durable, fold((0..6).map(batch)));
    }
}

#[test]
fn a_huge_length_is_corruption_not_an_allocation() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (file, starts) = wal_with(tmp.path(), 4);
    // At the tail: garbage appended by a crash.
    let mut bytes = std::fs::read(&file).expect("read");
    let len = bytes.len() as u64;
    bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5, 6]);
    std::fs::write(&file, &bytes).expect("write");
    let (_, recovery) = open(tmp.path());
    assert_eq!(recovery.durable, fold((0..4).map(batch)));
    let t = recovery.report.truncated.expect("truncated");
    assert_eq!((t.offset, t.bytes_dropped), (len, 10));
    // In the middle: the length field of frame 1 overwritten.
    let mut bytes = std::fs::read(&file).expect("read");
    bytes[starts[1] as usize..starts[1] as usize + 4].copy_from_slice(&[0xff; 4]);
    std::fs::write(&file, &bytes).expect("write");
    match Wal::<Log>::open(tmp.path()) {
        Err(WalError::CorruptRecord { offset, reason, .. }) => {
            assert_eq!(offset, starts[1]);
            assert_eq!(
                reason,
                Invalid::TooLarge {
                    len: u32::MAX as usize
                }
            );
        }
        other => panic!("expected CorruptRecord, got {other:?}"),
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
struct Other {
    a: u64,
    b: u64,
    name: String,
}

impl protocols::contract::Durable for Other {
    type Record = String;
    fn apply(&mut self, record: &String) {
        self.name.clone_from(record);
    }
}

#[test]
fn another_protocols_log_is_a_decode_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (file, _) = wal_with(tmp.path(), 1);
    match Wal::<Other>::open(tmp.path()) {
        Err(WalError::Decode {
            file: f, offset, ..
        }) => assert_eq!((f, offset), (file, 16)),
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[test]
fn a_failed_write_poisons_the_wal_and_a_reopen_recovers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut wal, _) = open(tmp.path());
    wal.append_batch(&batch(0)).expect("append");
    // The disk refuses the next write: a read-only handle stands in for it.
    let path = wal.segment_path().to_path_buf();
    wal.segment.file = std::fs::File::open(&path).expect("read-only handle");
    assert!(matches!(wal.append_batch(&batch(1)), Err(WalError::Io(_))));
    assert!(matches!(
        wal.append_batch(&batch(2)),
        Err(WalError::Poisoned)
    ));
    assert!(matches!(
        wal.checkpoint(&Log::default()),
        Err(WalError::Poisoned)
    ));
    drop(wal);
    assert_eq!(open(tmp.path()).1.durable, fold([batch(0)]));
}

#[test]
fn a_frame_from_another_segment_after_damage_is_not_trusted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (file, starts) = wal_with(tmp.path(), 3);
    let other = tempfile::tempdir().expect("tempdir");
    let (other_file, other_starts) = wal_with(other.path(), 2);
    let foreign = std::fs::read(&other_file).expect("read")[other_starts[1] as usize..].to_vec();
    // A torn last frame, then an intact frame of another segment (as if a
    // client's payload carried one): only this segment's salt counts.
    let mut bytes = std::fs::read(&file).expect("read");
    bytes.truncate(bytes.len() - 2);
    bytes.extend_from_slice(&foreign);
    std::fs::write(&file, &bytes).expect("write");
    let (_, recovery) = open(tmp.path());
    assert_eq!(recovery.durable, fold((0..2).map(batch)));
    let t = recovery.report.truncated.expect("a tail");
    assert_eq!(t.offset, starts[2]);
}
