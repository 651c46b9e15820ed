//! Storage tests against real files in temporary directories.

mod datadir;
mod snapshot;
mod wal;
mod wal_crash;

use protocols::contract::Durable;
use serde::{Deserialize, Serialize};

/// A durable state that keeps every record: its fold shows exactly which
/// records recovery replayed, in which order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(super) struct Log {
    pub records: Vec<Rec>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(super) struct Rec {
    pub n: u64,
    pub data: Vec<u8>,
}

impl Durable for Log {
    type Record = Rec;

    fn apply(&mut self, record: &Rec) {
        self.records.push(record.clone());
    }
}

/// Record `n`, of a size that varies with `n`.
pub(super) fn rec(n: u64) -> Rec {
    Rec {
        n,
        data: vec![n as u8; (n % 23) as usize],
    }
}

/// Batch `i` of a test history: 1 to 4 records.
pub(super) fn batch(i: u64) -> Vec<Rec> {
    (0..1 + i % 4).map(|k| rec(i * 10 + k)).collect()
}

pub(super) fn fold(batches: impl IntoIterator<Item = Vec<Rec>>) -> Log {
    let mut log = Log::default();
    for b in batches {
        b.iter().for_each(|r| log.apply(r));
    }
    log
}

/// The names of the files in `dir`, sorted.
pub(super) fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list test dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A temporary directory on tmpfs where there is one: there an fsync costs
/// nothing, so tests that append thousands of batches stay fast while going
/// through the same code. No test can observe what an fsync makes durable
/// anyway; the crash tests stage the files a crash would leave.
pub(super) fn fast_tempdir() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().expect("tempdir")
}
