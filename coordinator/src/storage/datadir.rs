//! The dataDir itself: its layout, and the lock that keeps a second server
//! off it.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::error::LockError;
use super::io::{IoContext, ensure_dir};

const LOCK_FILE: &str = "LOCK";

/// A dataDir this process holds the lock of. The lock (an exclusive
/// advisory lock on `dataDir/LOCK`) lasts until this value is dropped or
/// the process dies, however it dies.
#[derive(Debug)]
pub struct DataDir {
    root: PathBuf,
    _lock: File,
}

impl DataDir {
    /// Creates `root` if needed and locks it. Fails with
    /// [`LockError::Held`] if another server (or another `DataDir` in this
    /// process) has it.
    pub fn lock(root: impl Into<PathBuf>) -> Result<DataDir, LockError> {
        let root = root.into();
        ensure_dir(&root)?;
        let path = root.join(LOCK_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .at("open", &path)?;
        // `File::try_lock` is stable since Rust 1.89, newer than the
        // workspace's declared rust-version (1.88); the toolchain is 1.95.
        #[allow(clippy::incompatible_msrv)]
        let locked = match file.try_lock() {
            Ok(()) => Ok(true),
            Err(TryLockError::WouldBlock) => Ok(false),
            Err(TryLockError::Error(e)) => Err(e),
        };
        if !locked.at("lock", &path)? {
            let mut holder = String::new();
            let holder = file
                .read_to_string(&mut holder)
                .ok()
                .map(|_| holder.trim().to_string())
                .filter(|h| !h.is_empty());
            return Err(LockError::Held { dir: root, holder });
        }
        // Only the holder writes: the pid is for the error a second server
        // prints. Not fsynced: it means nothing after a crash.
        let written = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        written.at("write", &path)?;
        Ok(DataDir { root, _lock: file })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the write-ahead log lives: `dataDir/wal`.
    pub fn wal_dir(&self) -> PathBuf {
        self.root.join("wal")
    }

    /// Where snapshots live: `dataDir/snapshots`.
    pub fn snapshot_dir(&self) -> PathBuf {
        self.root.join("snapshots")
    }
}
