//! The durability seam: a write-ahead log of the core's records and a store
//! of state-machine snapshots.
//!
//! The runtime calls it from a blocking thread (`spawn_blocking`), one call
//! at a time. `append_batch` makes every record durable with ONE fsync
//! before it returns (group commit); `checkpoint` replaces the log by the
//! folded durable state after the core compacted; `save_snapshot` returns
//! once the snapshot is durable.
//!
//! Two implementations: [`DiskStorage`], the dataDir of a real server
//! ([`crate::storage`]: locked directory, checksummed WAL, snapshot files),
//! and [`MemStorage`], in memory behind an `Arc` so a test can "restart" a
//! node on the same store. [`StorageSpec`] names one without naming the
//! protocol's types, for [`super::start_node`].

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use protocols::{Durable, Zxid};

use crate::codec;
use crate::config::TreeConfig;
use crate::storage::{DataDir, SnapshotStore, Wal};

use super::state_machine::StateMachine;

/// A storage failure. The node stops on any: it cannot promise durability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageError(pub String);

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "storage: {}", self.0)
    }
}

impl std::error::Error for StorageError {}

fn err(e: impl fmt::Display) -> StorageError {
    StorageError(e.to_string())
}

/// What a node recovers at start.
#[derive(Clone, Debug)]
pub struct Loaded<D> {
    /// The last checkpoint with every later record folded in.
    pub durable: D,
    /// The newest usable snapshot, restored.
    pub state: Option<StateMachine>,
}

pub trait Storage<D: Durable>: Send + 'static {
    /// Recovers the durable state and the newest usable snapshot.
    fn load(&mut self, tree: &TreeConfig) -> Result<Loaded<D>, StorageError>;
    /// Appends records and makes them durable with ONE fsync.
    fn append_batch(&mut self, records: &[D::Record]) -> Result<(), StorageError>;
    /// Replaces the log by `state` (durably).
    fn checkpoint(&mut self, state: &D) -> Result<(), StorageError>;
    /// Saves a runtime snapshot at `at` (durably).
    fn save_snapshot(&mut self, at: Zxid, bytes: &[u8]) -> Result<(), StorageError>;
}

/// Which storage a node uses.
#[derive(Clone, Debug)]
pub enum StorageSpec {
    /// A dataDir: locked for the node's lifetime, `wal/` and `snapshots/`.
    DataDir(PathBuf),
    Memory(MemStorage),
}

impl StorageSpec {
    /// Opens it for durable state `D` (locks a dataDir).
    pub fn open<D: Durable>(self) -> Result<Box<dyn Storage<D>>, StorageError> {
        Ok(match self {
            StorageSpec::DataDir(root) => Box::new(DiskStorage::<D>::open(root)?),
            StorageSpec::Memory(m) => Box::new(m),
        })
    }
}

/// A server's dataDir.
pub struct DiskStorage<D: Durable> {
    /// Held for the node's lifetime: a second server on the same dataDir is
    /// refused.
    _lock: DataDir,
    wal_dir: PathBuf,
    wal: Option<Wal<D>>,
    snapshots: SnapshotStore,
}

impl<D: Durable> DiskStorage<D> {
    pub fn open(root: PathBuf) -> Result<DiskStorage<D>, StorageError> {
        let lock = DataDir::lock(root).map_err(err)?;
        let snapshots = SnapshotStore::open(lock.snapshot_dir()).map_err(err)?;
        Ok(DiskStorage {
            wal_dir: lock.wal_dir(),
            _lock: lock,
            wal: None,
            snapshots,
        })
    }

    fn wal(&mut self) -> Result<&mut Wal<D>, StorageError> {
        self.wal
            .as_mut()
            .ok_or_else(|| StorageError("the log is written before it is loaded".into()))
    }
}

impl<D: Durable> Storage<D> for DiskStorage<D> {
    fn load(&mut self, tree: &TreeConfig) -> Result<Loaded<D>, StorageError> {
        let (wal, recovery) = Wal::<D>::open(self.wal_dir.clone()).map_err(err)?;
        if let Some(t) = &recovery.report.truncated {
            tracing::warn!(
                file = %t.file.display(),
                offset = t.offset,
                dropped = t.bytes_dropped,
                "cut a torn tail off the write-ahead log: {}",
                t.reason
            );
        }
        self.wal = Some(wal);
        let state = self
            .snapshots
            .latest(|_, payload| StateMachine::restore(payload, tree.clone()))
            .map_err(err)?
            .map(|loaded| loaded.value);
        Ok(Loaded {
            durable: recovery.durable,
            state,
        })
    }

    fn append_batch(&mut self, records: &[D::Record]) -> Result<(), StorageError> {
        self.wal()?.append_batch(records).map_err(err)
    }

    fn checkpoint(&mut self, state: &D) -> Result<(), StorageError> {
        self.wal()?.checkpoint(state).map_err(err)
    }

    fn save_snapshot(&mut self, at: Zxid, bytes: &[u8]) -> Result<(), StorageError> {
        self.snapshots.write(at, bytes).map(|_| ()).map_err(err)
    }
}

/// Storage in memory, shared between incarnations of a test node. Holds
/// encoded bytes, so it serves any protocol.
#[derive(Clone, Debug, Default)]
pub struct MemStorage {
    inner: Arc<Mutex<MemDisk>>,
}

#[derive(Clone, Debug, Default)]
struct MemDisk {
    base: Option<Vec<u8>>,
    records: Vec<Vec<u8>>,
    snapshot: Option<Vec<u8>>,
    batches: u64,
    /// How long an append takes (a slow disk, for ordering tests).
    append_delay: std::time::Duration,
    /// True while an append is in progress.
    appending: bool,
}

impl MemStorage {
    pub fn new() -> MemStorage {
        MemStorage::default()
    }

    /// Makes every append take `delay` (on the runtime's blocking thread),
    /// so a test can see whether anything overlaps a persist.
    pub fn with_append_delay(self, delay: std::time::Duration) -> MemStorage {
        self.lock().append_delay = delay;
        self
    }

    /// True while an `append_batch` is in progress.
    pub fn appending(&self) -> bool {
        self.lock().appending
    }

    /// How many `append_batch` calls (fsyncs) there were.
    pub fn fsyncs(&self) -> u64 {
        self.lock().batches
    }

    /// Records in the log now (since the last checkpoint).
    pub fn log_len(&self) -> usize {
        self.lock().records.len()
    }

    pub fn has_snapshot(&self) -> bool {
        self.lock().snapshot.is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemDisk> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<D: Durable> Storage<D> for MemStorage {
    fn load(&mut self, tree: &TreeConfig) -> Result<Loaded<D>, StorageError> {
        let disk = self.lock();
        let mut durable: D = match &disk.base {
            Some(b) => codec::decode(b).map_err(err)?,
            None => D::default(),
        };
        for bytes in &disk.records {
            durable.apply(&codec::decode(bytes).map_err(err)?);
        }
        let state = match &disk.snapshot {
            Some(b) => Some(StateMachine::restore(b, tree.clone()).map_err(err)?),
            None => None,
        };
        Ok(Loaded { durable, state })
    }

    fn append_batch(&mut self, records: &[D::Record]) -> Result<(), StorageError> {
        let encoded = records
            .iter()
            .map(|r| codec::encode(r).map_err(err))
            .collect::<Result<Vec<_>, _>>()?;
        let delay = {
            let mut disk = self.lock();
            disk.appending = true;
            disk.append_delay
        };
        if !delay.is_zero() {
            // Stands for the time a disk takes: this is the blocking thread.
            std::thread::sleep(delay);
        }
        let mut disk = self.lock();
        disk.records.extend(encoded);
        disk.batches += 1;
        disk.appending = false;
        Ok(())
    }

    fn checkpoint(&mut self, state: &D) -> Result<(), StorageError> {
        let base = codec::encode(state).map_err(err)?;
        let mut disk = self.lock();
        disk.base = Some(base);
        disk.records.clear();
        Ok(())
    }

    fn save_snapshot(&mut self, _at: Zxid, bytes: &[u8]) -> Result<(), StorageError> {
        self.lock().snapshot = Some(bytes.to_vec());
        Ok(())
    }
}
