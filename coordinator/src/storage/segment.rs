//! WAL segment files: their names, their header, and the listing of a WAL
//! directory.
//!
//! A segment is `wal/segment.<seq, 16 hex digits>`: an 8-byte magic, the
//! segment's random salt (u64 LE), then frames (see `frame`). Segments are
//! created whole under a `.tmp` name and renamed into place, so a segment
//! under its final name always holds at least its header and checkpoint.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::path::{Path, PathBuf};

use super::io::{IoContext, IoFailure};

/// Identifies a zoolab WAL segment, format version 1.
pub(crate) const MAGIC: [u8; 8] = *b"zlwal\0\0\x01";
pub(crate) const SEGMENT_HEADER: usize = 16;

const PREFIX: &str = "segment.";
const TMP_SUFFIX: &str = ".tmp";

pub(crate) fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{PREFIX}{seq:016x}"))
}

pub(crate) fn temp_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{PREFIX}{seq:016x}{TMP_SUFFIX}"))
}

pub(crate) fn header(salt: u64) -> [u8; SEGMENT_HEADER] {
    let mut h = [0; SEGMENT_HEADER];
    h[..8].copy_from_slice(&MAGIC);
    h[8..].copy_from_slice(&salt.to_le_bytes());
    h
}

/// The salt of a segment whose bytes start with a valid header.
pub(crate) fn parse_header(buf: &[u8]) -> Option<u64> {
    let magic = buf.get(..8)?;
    let salt: [u8; 8] = buf.get(8..SEGMENT_HEADER)?.try_into().ok()?;
    (magic == MAGIC).then(|| u64::from_le_bytes(salt))
}

/// A salt no other segment is likely to share. Not a secret: it only has to
/// differ between segments (and from what clients write).
pub(crate) fn fresh_salt() -> u64 {
    let mut h = RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    h.write_u128(now);
    h.write_u32(std::process::id());
    h.finish()
}

/// What a WAL directory holds.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// Segments by sequence number.
    pub segments: BTreeMap<u64, PathBuf>,
    /// Segments a crash left half-made.
    pub temps: Vec<PathBuf>,
}

pub(crate) fn list(dir: &Path) -> Result<Listing, IoFailure> {
    let mut listing = Listing::default();
    for entry in std::fs::read_dir(dir).at("list", dir)? {
        let entry = entry.at("list", dir)?;
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        let (hex, temp) = match rest.strip_suffix(TMP_SUFFIX) {
            Some(hex) => (hex, true),
            None => (rest, false),
        };
        let Ok(seq) = u64::from_str_radix(hex, 16) else {
            continue;
        };
        if temp {
            listing.temps.push(entry.path());
        } else {
            listing.segments.insert(seq, entry.path());
        }
    }
    Ok(listing)
}
