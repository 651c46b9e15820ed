//! The durability seam: a write-ahead log of the core's records (encoded
//! by the runtime, opaque here) and a store of state-machine snapshots.
//!
//! The runtime calls it from a blocking thread (`spawn_blocking`), one
//! batch at a time. `append_batch` must make every record durable with one
//! fsync before it returns (group commit). `checkpoint` replaces the log by
//! a base image — the folded durable state — after the core compacted.
//!
//! [`MemStorage`] keeps everything in memory behind an `Arc`, so a test can
//! "restart" a node on the same store; the file-backed store of dataDir
//! implements the same trait.

use std::fmt;
use std::sync::{Arc, Mutex};

use protocols::Zxid;

/// A storage failure. The node stops on any: it cannot promise durability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageError(pub String);

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "storage: {}", self.0)
    }
}

impl std::error::Error for StorageError {}

/// What a node recovers from its store at start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The last checkpoint's base image, if any.
    pub base: Option<Vec<u8>>,
    /// Records appended since, in order.
    pub records: Vec<Vec<u8>>,
    /// The latest snapshot, if any.
    pub snapshot: Option<Vec<u8>>,
}

pub trait Storage: Send + 'static {
    fn load(&mut self) -> Result<Loaded, StorageError>;
    /// Appends records and makes them durable with ONE fsync.
    fn append_batch(&mut self, records: &[Vec<u8>]) -> Result<(), StorageError>;
    /// Replaces the log by `base` (durably).
    fn checkpoint(&mut self, base: &[u8]) -> Result<(), StorageError>;
    /// Saves a snapshot of the state machine at `at` (durably).
    fn save_snapshot(&mut self, at: Zxid, bytes: &[u8]) -> Result<(), StorageError>;
}

/// Storage in memory, shared between incarnations of a test node.
#[derive(Clone, Debug, Default)]
pub struct MemStorage {
    inner: Arc<Mutex<MemDisk>>,
}

#[derive(Clone, Debug, Default)]
struct MemDisk {
    loaded: Loaded,
    batches: u64,
}

impl MemStorage {
    pub fn new() -> MemStorage {
        MemStorage::default()
    }

    /// How many `append_batch` calls (fsyncs) there were.
    pub fn fsyncs(&self) -> u64 {
        self.lock().batches
    }

    /// Records in the log now.
    pub fn log_len(&self) -> usize {
        self.lock().loaded.records.len()
    }

    pub fn has_snapshot(&self) -> bool {
        self.lock().loaded.snapshot.is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemDisk> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Storage for MemStorage {
    fn load(&mut self) -> Result<Loaded, StorageError> {
        Ok(self.lock().loaded.clone())
    }

    fn append_batch(&mut self, records: &[Vec<u8>]) -> Result<(), StorageError> {
        let mut disk = self.lock();
        disk.loaded.records.extend(records.iter().cloned());
        disk.batches += 1;
        Ok(())
    }

    fn checkpoint(&mut self, base: &[u8]) -> Result<(), StorageError> {
        let mut disk = self.lock();
        disk.loaded.base = Some(base.to_vec());
        disk.loaded.records.clear();
        Ok(())
    }

    fn save_snapshot(&mut self, _at: Zxid, bytes: &[u8]) -> Result<(), StorageError> {
        self.lock().loaded.snapshot = Some(bytes.to_vec());
        Ok(())
    }
}
