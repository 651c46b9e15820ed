//! The write-ahead log of a core's `Persist` records, in `dataDir/wal/`.
//!
//! Each segment starts with a checkpoint of the whole durable state, then
//! holds one frame per batch of records (a batch is what the Ready loop
//! persists under one fsync). Recovery reads only the newest segment: its
//! checkpoint, then every batch folded in with [`Durable::apply`].
//!
//! A batch is one frame, not one frame per record: a crash during the
//! fsync can persist a batch's pages in any order, and only a checksum over
//! the whole batch guarantees that a half-persisted batch is seen as one
//! torn tail (never as a damaged record with intact ones after it).

use std::fs::File;
use std::io::Write;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use protocols::contract::Durable;
use serde::{Deserialize, Serialize};

use super::error::WalError;
use super::frame::{MAX_FRAME_BYTES, encode_frame};
use super::io::{IoContext, ensure_dir, publish, sync_dir, write_synced};
use super::recovery::{self, Recovery};
use super::segment;
use crate::codec;

/// An entry of a segment, as written (borrowing, to encode without cloning).
#[derive(Serialize)]
pub(crate) enum EntryRef<'a, D, R> {
    Checkpoint(&'a D),
    Batch(&'a [R]),
}

/// An entry of a segment, as read back: the same postcard encoding as
/// [`EntryRef`] (a reference and a slice serialize as the value and a Vec).
#[derive(Deserialize)]
pub(crate) enum Entry<D, R> {
    Checkpoint(D),
    Batch(Vec<R>),
}

/// The open segment the WAL appends to.
pub(crate) struct Segment {
    pub seq: u64,
    pub path: PathBuf,
    pub file: File,
    pub salt: u64,
    /// Bytes in the file: where the next frame goes.
    pub len: u64,
}

/// A write-ahead log of `D::Record`s that folds back into `D`.
pub struct Wal<D: Durable> {
    dir: PathBuf,
    pub(super) segment: Segment,
    poisoned: bool,
    _durable: PhantomData<fn() -> D>,
}

impl<D: Durable> std::fmt::Debug for Wal<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wal")
            .field("segment", &self.segment.path)
            .field("len", &self.segment.len)
            .field("poisoned", &self.poisoned)
            .finish()
    }
}

impl<D: Durable> Wal<D> {
    /// Opens (or creates) the WAL in `dir` and replays it: the returned
    /// [`Recovery`] holds the folded durable state. A torn tail is cut off
    /// (with a warning); damage that is not a torn tail is an error, and
    /// the server must not start.
    pub fn open(dir: impl Into<PathBuf>) -> Result<(Wal<D>, Recovery<D>), WalError> {
        let dir = dir.into();
        ensure_dir(&dir)?;
        let listing = segment::list(&dir)?;
        let newest = listing.segments.last_key_value();
        let (segment, recovery) = match newest.map(|(&seq, path)| (seq, path.clone())) {
            Some((seq, path)) => recovery::replay::<D>(&dir, seq, path, listing.temps)?,
            None => {
                // Temp files without any segment: a first checkpoint that
                // never got its name. Nothing was ever persisted.
                let mut removed = Vec::new();
                for tmp in listing.temps {
                    std::fs::remove_file(&tmp).at("remove", &tmp)?;
                    removed.push(tmp);
                }
                let segment = create_segment(&dir, 0, &D::default())?;
                let recovery = Recovery::fresh(segment.path.clone(), removed);
                (segment, recovery)
            }
        };
        let wal = Wal {
            dir,
            segment,
            poisoned: false,
            _durable: PhantomData,
        };
        Ok((wal, recovery))
    }

    /// Appends `records` as one batch and fsyncs once: when this returns
    /// `Ok`, all of them survive a crash. An empty batch writes nothing.
    ///
    /// After an I/O error the WAL is poisoned (every later call fails with
    /// [`WalError::Poisoned`]): what reached the disk is unknown, and only
    /// recovery on reopen can tell.
    pub fn append_batch(&mut self, records: &[D::Record]) -> Result<(), WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        if records.is_empty() {
            return Ok(());
        }
        let frame = frame_of::<D>(self.segment.salt, &EntryRef::Batch(records))?;
        let seg = &mut self.segment;
        let written = seg
            .file
            .write_all(&frame)
            .and_then(|()| seg.file.sync_data())
            .at("append to", &seg.path);
        if let Err(e) = written {
            self.poisoned = true;
            return Err(e.into());
        }
        seg.len += frame.len() as u64;
        Ok(())
    }

    /// Compacts the log behind `state`, which must be the fold of every
    /// record appended so far (a core's current durable state): starts a new
    /// segment whose first entry is `state`, makes it durable, then deletes
    /// the older segments.
    ///
    /// Crash safety: the new segment is written under a temporary name and
    /// fsynced, renamed, and the directory fsynced; only then are the old
    /// segments removed. Recovery ignores temporary files and reads the
    /// newest named segment, so a crash at any step recovers either the old
    /// segments (which hold the same state) or the new one.
    pub fn checkpoint(&mut self, state: &D) -> Result<(), WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        let seq = self.segment.seq + 1;
        let tmp = segment::temp_path(&self.dir, seq);
        let (bytes, salt) = segment_bytes(state)?;
        let file = match write_synced(&tmp, &bytes) {
            Ok(file) => file,
            Err(e) => {
                // The old segment is still the current one and intact.
                let _ = std::fs::remove_file(&tmp);
                return Err(e.into());
            }
        };
        let path = segment::segment_path(&self.dir, seq);
        if let Err(e) = publish(&self.dir, &tmp, &path) {
            // The rename may or may not be durable: appending to either
            // segment could be lost, so stop here.
            self.poisoned = true;
            return Err(e.into());
        }
        self.segment = Segment {
            seq,
            path,
            file,
            salt,
            len: bytes.len() as u64,
        };
        remove_older_segments(&self.dir, seq);
        Ok(())
    }

    /// The WAL's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The segment appends go to.
    pub fn segment_path(&self) -> &Path {
        &self.segment.path
    }

    /// The size in bytes of the current segment: what a runtime watches to
    /// decide when to snapshot and checkpoint.
    pub fn segment_len(&self) -> u64 {
        self.segment.len
    }
}

/// Encodes `entry` and frames it under `salt`.
fn frame_of<D: Durable>(
    salt: u64,
    entry: &EntryRef<'_, D, D::Record>,
) -> Result<Vec<u8>, WalError> {
    let payload = codec::encode(entry).map_err(WalError::Encode)?;
    if payload.len() > MAX_FRAME_BYTES {
        return Err(WalError::TooLarge {
            bytes: payload.len(),
            limit: MAX_FRAME_BYTES,
        });
    }
    let mut frame = Vec::with_capacity(payload.len() + 8);
    encode_frame(salt, &payload, &mut frame);
    Ok(frame)
}

/// A new segment's bytes (header and checkpoint of `state`), and its salt.
fn segment_bytes<D: Durable>(state: &D) -> Result<(Vec<u8>, u64), WalError> {
    let salt = segment::fresh_salt();
    let mut bytes = segment::header(salt).to_vec();
    bytes.extend(frame_of::<D>(salt, &EntryRef::Checkpoint(state))?);
    Ok((bytes, salt))
}

/// Creates segment `seq` holding only a checkpoint of `state`, atomically.
fn create_segment<D: Durable>(dir: &Path, seq: u64, state: &D) -> Result<Segment, WalError> {
    let (bytes, salt) = segment_bytes(state)?;
    let tmp = segment::temp_path(dir, seq);
    let path = segment::segment_path(dir, seq);
    let file = write_synced(&tmp, &bytes)?;
    publish(dir, &tmp, &path)?;
    Ok(Segment {
        seq,
        path,
        file,
        salt,
        len: bytes.len() as u64,
    })
}

/// Deletes the segments before `current`. Failing to is harmless (recovery
/// reads the newest segment and deletes the rest), so it only warns.
pub(crate) fn remove_older_segments(dir: &Path, current: u64) -> Vec<PathBuf> {
    let listing = match segment::list(dir) {
        Ok(listing) => listing,
        Err(e) => {
            tracing::warn!(error = %e, "could not list old WAL segments to delete them");
            return Vec::new();
        }
    };
    let mut removed = Vec::new();
    for (_, path) in listing.segments.range(..current) {
        match std::fs::remove_file(path) {
            Ok(()) => removed.push(path.clone()),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "could not delete old WAL segment")
            }
        }
    }
    if !removed.is_empty()
        && let Err(e) = sync_dir(dir)
    {
        tracing::warn!(error = %e, "could not fsync the WAL directory after deleting old segments");
    }
    removed
}
