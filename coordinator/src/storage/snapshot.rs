//! Snapshots of the state machine in `dataDir/snapshots/`, one file per
//! snapshot named `snapshot.<zxid in hex>` as ZooKeeper names them.
//!
//! A file is `magic (8) | payload length (u64 LE) | crc32c (u32 LE) |
//! payload`. It is written under a `.tmp` name, fsynced, renamed and the
//! directory fsynced, so a snapshot under its final name is always whole;
//! the checksum catches what rots afterwards.
//!
//! Falling back to an older snapshot is only sound if the log still holds
//! everything after it: a runtime should let its core compact only up to
//! the oldest snapshot it keeps.

use std::path::{Path, PathBuf};

use protocols::types::Zxid;

use super::error::{RejectedSnapshot, SnapshotStoreError};
use super::io::{IoContext, ensure_dir, publish, sync_dir, write_synced};

/// How many snapshots a store keeps unless told otherwise.
pub const DEFAULT_RETAIN: usize = 3;

const MAGIC: [u8; 8] = *b"zlsnap\0\x01";
const HEADER: usize = 8 + 8 + 4;
const PREFIX: &str = "snapshot.";
const TMP_SUFFIX: &str = ".tmp";

/// The snapshot directory.
#[derive(Clone, Debug)]
pub struct SnapshotStore {
    dir: PathBuf,
    retain: usize,
}

/// What the snapshot directory holds.
struct Listing {
    /// Oldest first.
    snapshots: Vec<(Zxid, PathBuf)>,
    /// Snapshots a crash left half-written.
    temps: Vec<PathBuf>,
}

/// A snapshot the caller accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedSnapshot<T> {
    pub zxid: Zxid,
    pub file: PathBuf,
    /// What the caller's closure made of it (a restored tree).
    pub value: T,
    /// Newer snapshots passed over because they were damaged or refused.
    pub rejected: Vec<RejectedSnapshot>,
}

impl SnapshotStore {
    /// Opens (creating if needed) the store in `dir`, keeping
    /// [`DEFAULT_RETAIN`] snapshots, and deletes snapshots a crash left
    /// half-written.
    pub fn open(dir: impl Into<PathBuf>) -> Result<SnapshotStore, SnapshotStoreError> {
        let dir = dir.into();
        ensure_dir(&dir)?;
        let store = SnapshotStore {
            dir,
            retain: DEFAULT_RETAIN,
        };
        let temps = store.scan()?.temps;
        for tmp in &temps {
            std::fs::remove_file(tmp).at("remove", tmp)?;
        }
        if !temps.is_empty() {
            sync_dir(&store.dir)?;
        }
        Ok(store)
    }

    /// Keeps the newest `retain` snapshots (at least one) from now on.
    pub fn with_retention(mut self, retain: usize) -> SnapshotStore {
        self.retain = retain.max(1);
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the snapshot of every commit up to `zxid` atomically, then
    /// deletes all but the newest `retain` snapshots. When this returns the
    /// snapshot is durable. Returns its path.
    pub fn write(&self, zxid: Zxid, payload: &[u8]) -> Result<PathBuf, SnapshotStoreError> {
        let file = self.dir.join(format!("{PREFIX}{:x}", zxid.0));
        let tmp = self.dir.join(format!("{PREFIX}{:x}{TMP_SUFFIX}", zxid.0));
        let mut bytes = Vec::with_capacity(HEADER + payload.len());
        bytes.extend_from_slice(&MAGIC);
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
        bytes.extend_from_slice(payload);
        if let Err(e) = write_synced(&tmp, &bytes) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        publish(&self.dir, &tmp, &file)?;
        self.prune();
        Ok(file)
    }

    /// The snapshots present, oldest first.
    pub fn list(&self) -> Result<Vec<(Zxid, PathBuf)>, SnapshotStoreError> {
        Ok(self.scan()?.snapshots)
    }

    /// The newest snapshot that is intact and that `accept` takes (it gets
    /// the zxid and the payload and returns what it built, or why not).
    /// Damaged or refused snapshots are passed over, with a warning, for the
    /// next older one. `Ok(None)`: there are no snapshots at all. An error
    /// when there are some but none is usable.
    pub fn latest<T, E: std::fmt::Display>(
        &self,
        mut accept: impl FnMut(Zxid, &[u8]) -> Result<T, E>,
    ) -> Result<Option<LoadedSnapshot<T>>, SnapshotStoreError> {
        let snapshots = self.scan()?.snapshots;
        if snapshots.is_empty() {
            return Ok(None);
        }
        let mut rejected = Vec::new();
        for (zxid, file) in snapshots.into_iter().rev() {
            let bytes = std::fs::read(&file).at("read", &file)?;
            let reason = match unframe(&bytes) {
                Err(reason) => reason,
                Ok(payload) => match accept(zxid, payload) {
                    Ok(value) => {
                        return Ok(Some(LoadedSnapshot {
                            zxid,
                            file,
                            value,
                            rejected,
                        }));
                    }
                    Err(e) => format!("refused: {e}"),
                },
            };
            tracing::warn!(file = %file.display(), %reason, "skipping an unusable snapshot");
            rejected.push(RejectedSnapshot { file, reason });
        }
        Err(SnapshotStoreError::NoneValid {
            dir: self.dir.clone(),
            rejected,
        })
    }

    /// Snapshots (oldest first) and leftover temp files.
    fn scan(&self) -> Result<Listing, SnapshotStoreError> {
        let mut snapshots = Vec::new();
        let mut temps = Vec::new();
        for entry in std::fs::read_dir(&self.dir).at("list", &self.dir)? {
            let entry = entry.at("list", &self.dir)?;
            let name = entry.file_name();
            let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
                continue;
            };
            if let Some(hex) = rest.strip_suffix(TMP_SUFFIX) {
                if u64::from_str_radix(hex, 16).is_ok() {
                    temps.push(entry.path());
                }
            } else if let Ok(zxid) = u64::from_str_radix(rest, 16) {
                snapshots.push((Zxid(zxid), entry.path()));
            }
        }
        snapshots.sort();
        Ok(Listing { snapshots, temps })
    }

    /// Deletes the snapshots older than the newest `retain`. A failure only
    /// warns: an extra old snapshot harms nothing.
    fn prune(&self) {
        let snapshots = match self.scan() {
            Ok(listing) => listing.snapshots,
            Err(e) => {
                tracing::warn!(error = %e, "could not list snapshots to prune them");
                return;
            }
        };
        let excess = snapshots.len().saturating_sub(self.retain);
        let mut removed = false;
        for (_, file) in &snapshots[..excess] {
            match std::fs::remove_file(file) {
                Ok(()) => removed = true,
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "could not delete an old snapshot")
                }
            }
        }
        if removed && let Err(e) = sync_dir(&self.dir) {
            tracing::warn!(error = %e, "could not fsync the snapshot directory after pruning");
        }
    }
}

/// The payload of a snapshot file, or why it is damaged.
fn unframe(bytes: &[u8]) -> Result<&[u8], String> {
    if bytes.len() < HEADER || bytes[..8] != MAGIC {
        return Err("not a zoolab snapshot (bad header)".into());
    }
    let mut len = [0; 8];
    len.copy_from_slice(&bytes[8..16]);
    let mut crc = [0; 4];
    crc.copy_from_slice(&bytes[16..HEADER]);
    let payload = &bytes[HEADER..];
    if u64::from_le_bytes(len) != payload.len() as u64 {
        return Err(format!(
            "length {} in the header, {} bytes in the file",
            u64::from_le_bytes(len),
            payload.len()
        ));
    }
    if u32::from_le_bytes(crc) != crc32c::crc32c(payload) {
        return Err("crc32c mismatch".into());
    }
    Ok(payload)
}
