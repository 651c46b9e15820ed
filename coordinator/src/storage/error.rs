//! The storage layer's typed errors. Each names the file (and for the WAL the
//! offset) involved: the server refuses to start on most of them, and the
//! operator has to know where to look.

use std::fmt;
use std::path::PathBuf;

use super::frame::Invalid;
use super::io::IoFailure;
use crate::codec::CodecError;

#[derive(Debug)]
pub enum WalError {
    Io(IoFailure),
    /// The newest segment does not start with a zoolab WAL header.
    BadHeader {
        file: PathBuf,
    },
    /// A damaged frame with intact frames after it: state that was once
    /// durable (and maybe acknowledged) has changed on disk. Not repaired:
    /// truncating here would silently drop the frames that follow.
    CorruptRecord {
        file: PathBuf,
        offset: u64,
        reason: Invalid,
        /// An intact frame after the damage.
        next_valid: u64,
    },
    /// The segment's checkpoint (its first frame, written whole before the
    /// segment got its name) is damaged or absent.
    MissingCheckpoint {
        file: PathBuf,
    },
    /// An intact frame whose payload is not an entry of this WAL's types
    /// (another protocol's dataDir, or an incompatible version).
    Decode {
        file: PathBuf,
        offset: u64,
        error: CodecError,
    },
    Encode(CodecError),
    /// A batch (or checkpoint) larger than a frame may be.
    TooLarge {
        bytes: usize,
        limit: usize,
    },
    /// An earlier write or fsync failed, so what is on disk is unknown.
    /// Reopen the WAL (restart the server): recovery repairs the tail.
    Poisoned,
}

impl fmt::Display for WalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalError::Io(e) => write!(f, "write-ahead log: {e}"),
            WalError::BadHeader { file } => {
                write!(
                    f,
                    "{}: not a zoolab write-ahead log segment",
                    file.display()
                )
            }
            WalError::CorruptRecord {
                file,
                offset,
                reason,
                next_valid,
            } => write!(
                f,
                "{}: corrupt record at offset {offset} ({reason}) with intact records from \
                 offset {next_valid} on; refusing to drop them (restore the dataDir or \
                 resynchronize this server from its peers)",
                file.display()
            ),
            WalError::MissingCheckpoint { file } => write!(
                f,
                "{}: the segment's leading checkpoint is damaged or missing",
                file.display()
            ),
            WalError::Decode {
                file,
                offset,
                error,
            } => write!(
                f,
                "{}: record at offset {offset} does not decode ({error}): written by another \
                 protocol or version?",
                file.display()
            ),
            WalError::Encode(e) => write!(f, "write-ahead log: {e}"),
            WalError::TooLarge { bytes, limit } => write!(
                f,
                "write-ahead log: a frame of {bytes} bytes exceeds the {limit}-byte limit"
            ),
            WalError::Poisoned => write!(
                f,
                "write-ahead log: an earlier write failed; reopen it to recover"
            ),
        }
    }
}

impl std::error::Error for WalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WalError::Io(e) => Some(e),
            WalError::Decode { error, .. } | WalError::Encode(error) => Some(error),
            _ => None,
        }
    }
}

impl From<IoFailure> for WalError {
    fn from(e: IoFailure) -> Self {
        WalError::Io(e)
    }
}

#[derive(Debug)]
pub enum SnapshotStoreError {
    Io(IoFailure),
    /// Snapshots exist but none is intact and accepted: starting from an
    /// empty tree would lose what the WAL has already compacted away.
    NoneValid {
        dir: PathBuf,
        rejected: Vec<RejectedSnapshot>,
    },
}

/// A snapshot file `latest` passed over, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedSnapshot {
    pub file: PathBuf,
    pub reason: String,
}

impl fmt::Display for SnapshotStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotStoreError::Io(e) => write!(f, "snapshots: {e}"),
            SnapshotStoreError::NoneValid { dir, rejected } => {
                write!(f, "{}: no usable snapshot:", dir.display())?;
                for r in rejected {
                    write!(f, " {} ({});", r.file.display(), r.reason)?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for SnapshotStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SnapshotStoreError::Io(e) => Some(e),
            SnapshotStoreError::NoneValid { .. } => None,
        }
    }
}

impl From<IoFailure> for SnapshotStoreError {
    fn from(e: IoFailure) -> Self {
        SnapshotStoreError::Io(e)
    }
}

#[derive(Debug)]
pub enum LockError {
    /// Another process holds the dataDir's lock.
    Held {
        dir: PathBuf,
        /// What the holder wrote in the lock file (its pid), if readable.
        holder: Option<String>,
    },
    Io(IoFailure),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Held { dir, holder } => {
                write!(f, "dataDir {} is in use by another server", dir.display())?;
                if let Some(h) = holder {
                    write!(f, " (pid {h})")?;
                }
                Ok(())
            }
            LockError::Io(e) => write!(f, "dataDir lock: {e}"),
        }
    }
}

impl std::error::Error for LockError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LockError::Io(e) => Some(e),
            LockError::Held { .. } => None,
        }
    }
}

impl From<IoFailure> for LockError {
    fn from(e: IoFailure) -> Self {
        LockError::Io(e)
    }
}
