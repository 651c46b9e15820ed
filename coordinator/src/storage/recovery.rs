//! Replaying the WAL on open: the newest segment's checkpoint and batches,
//! folded; its torn tail cut off; leftovers of interrupted checkpoints
//! deleted.

use std::path::{Path, PathBuf};

use protocols::contract::Durable;

use super::error::WalError;
use super::frame::{self, Damage};
use super::io::{IoContext, sync_dir};
use super::segment::{self, SEGMENT_HEADER};
use super::wal::{Entry, Segment, remove_older_segments};
use crate::codec;

/// What opening the WAL found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery<D> {
    /// The newest checkpoint with every later record folded in.
    pub durable: D,
    pub report: RecoveryReport,
}

/// How the WAL was recovered, for the server's startup log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryReport {
    /// The segment recovery read (and appends now go to).
    pub segment: PathBuf,
    /// True when the directory held no segment: a first start.
    pub created: bool,
    /// Batches replayed after the checkpoint.
    pub batches: usize,
    /// Records in those batches.
    pub records: usize,
    /// The torn tail that was cut off, if any.
    pub truncated: Option<Truncation>,
    /// Files an interrupted checkpoint left behind, now deleted.
    pub removed: Vec<PathBuf>,
}

/// A torn tail cut off the segment: bytes a crash left half-written, which
/// were never fsynced and so never acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truncation {
    pub file: PathBuf,
    /// The new length of the file: where the torn frame began.
    pub offset: u64,
    pub bytes_dropped: u64,
    pub reason: String,
}

impl<D: Default> Recovery<D> {
    pub(crate) fn fresh(segment: PathBuf, removed: Vec<PathBuf>) -> Recovery<D> {
        Recovery {
            durable: D::default(),
            report: RecoveryReport {
                segment,
                created: true,
                batches: 0,
                records: 0,
                truncated: None,
                removed,
            },
        }
    }
}

/// Replays segment `seq` at `path`, the newest, and opens it for appending.
/// `temps` are the half-made segments found beside it.
pub(crate) fn replay<D: Durable>(
    dir: &Path,
    seq: u64,
    path: PathBuf,
    temps: Vec<PathBuf>,
) -> Result<(Segment, Recovery<D>), WalError> {
    let buf = std::fs::read(&path).at("read", &path)?;
    let salt =
        segment::parse_header(&buf).ok_or_else(|| WalError::BadHeader { file: path.clone() })?;
    let (frames, damage) = frame::scan(&buf, SEGMENT_HEADER, salt);
    let first_frame_damaged = frames.is_empty() && damage.is_some();
    if let Some(Damage {
        offset,
        reason,
        next_valid: Some(next),
    }) = &damage
    {
        return Err(WalError::CorruptRecord {
            file: path,
            offset: *offset as u64,
            reason: reason.clone(),
            next_valid: *next as u64,
        });
    }
    if first_frame_damaged {
        // The checkpoint was fsynced before the segment got its name: it
        // cannot be torn, so damage there is corruption.
        return Err(WalError::MissingCheckpoint { file: path });
    }

    let mut durable: Option<D> = None;
    let (mut batches, mut records) = (0, 0);
    for range in frames {
        let offset = (range.start - frame::FRAME_HEADER) as u64;
        let entry: Entry<D, D::Record> =
            codec::decode(&buf[range]).map_err(|error| WalError::Decode {
                file: path.clone(),
                offset,
                error,
            })?;
        match (entry, durable.as_mut()) {
            (Entry::Checkpoint(state), _) => durable = Some(state),
            (Entry::Batch(batch), Some(state)) => {
                batch.iter().for_each(|r| state.apply(r));
                batches += 1;
                records += batch.len();
            }
            (Entry::Batch(_), None) => return Err(WalError::MissingCheckpoint { file: path }),
        }
    }
    let durable = durable.ok_or_else(|| WalError::MissingCheckpoint { file: path.clone() })?;

    let truncated = match damage {
        Some(d) => Some(cut_tail(&path, &d, buf.len() as u64)?),
        None => None,
    };
    let len = truncated.as_ref().map_or(buf.len() as u64, |t| t.offset);
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .at("open for appending", &path)?;

    let mut removed = Vec::new();
    for tmp in temps {
        std::fs::remove_file(&tmp).at("remove", &tmp)?;
        removed.push(tmp);
    }
    if !removed.is_empty() {
        sync_dir(dir)?;
    }
    removed.extend(remove_older_segments(dir, seq));

    let segment = Segment {
        seq,
        path: path.clone(),
        file,
        salt,
        len,
    };
    let report = RecoveryReport {
        segment: path,
        created: false,
        batches,
        records,
        truncated,
        removed,
    };
    Ok((segment, Recovery { durable, report }))
}

/// Cuts the torn tail `damage` off `path` and makes the cut durable.
fn cut_tail(path: &Path, damage: &Damage, file_len: u64) -> Result<Truncation, WalError> {
    let offset = damage.offset as u64;
    let truncation = Truncation {
        file: path.to_path_buf(),
        offset,
        bytes_dropped: file_len - offset,
        reason: damage.reason.to_string(),
    };
    tracing::warn!(
        file = %path.display(),
        offset,
        bytes_dropped = truncation.bytes_dropped,
        reason = %truncation.reason,
        "write-ahead log: truncating a torn tail (a write the crash interrupted, never acknowledged)"
    );
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .at("open to truncate", path)?;
    file.set_len(offset).at("truncate", path)?;
    file.sync_all().at("fsync", path)?;
    Ok(truncation)
}
