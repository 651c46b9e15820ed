//! The WAL's frame: `length (u32 LE) | crc32c (u32 LE) | payload`, and the
//! scan that reads a segment's frames and classifies the damage it meets.
//!
//! The checksum covers the segment's salt, the length field and the
//! payload. The salt is random per segment (SQLite's WAL does the same):
//! a frame copied out of another segment, left behind by an older file, or
//! smuggled inside a client's payload never checks out here, so "a valid
//! frame follows" really means "this segment wrote a frame there".

use std::fmt;
use std::ops::Range;

/// Bytes before a frame's payload: its length and its checksum.
pub(crate) const FRAME_HEADER: usize = 8;

/// The largest payload a frame may carry. A longer length read from disk is
/// corruption (it is never allocated); a longer batch is refused on append.
pub const MAX_FRAME_BYTES: usize = 256 << 20;

fn checksum(salt: u64, len_field: &[u8], payload: &[u8]) -> u32 {
    let crc = crc32c::crc32c(&salt.to_le_bytes());
    let crc = crc32c::crc32c_append(crc, len_field);
    crc32c::crc32c_append(crc, payload)
}

/// Appends one frame holding `payload` to `out`. The caller keeps
/// `payload` within [`MAX_FRAME_BYTES`].
pub(crate) fn encode_frame(salt: u64, payload: &[u8], out: &mut Vec<u8>) {
    debug_assert!(!payload.is_empty() && payload.len() <= MAX_FRAME_BYTES);
    let len_field = (payload.len() as u32).to_le_bytes();
    out.extend_from_slice(&len_field);
    out.extend_from_slice(&checksum(salt, &len_field, payload).to_le_bytes());
    out.extend_from_slice(payload);
}

/// Why the bytes at some offset are not a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Fewer bytes than a frame header remain.
    ShortHeader {
        available: usize,
    },
    /// A zero length: no frame is ever empty.
    ZeroLength,
    /// A length above [`MAX_FRAME_BYTES`].
    TooLarge {
        len: usize,
    },
    /// The length runs past the end of the file.
    ShortPayload {
        len: usize,
        available: usize,
    },
    CrcMismatch,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::ShortHeader { available } => {
                write!(
                    f,
                    "short frame header ({available} of {FRAME_HEADER} bytes)"
                )
            }
            Invalid::ZeroLength => write!(f, "zero frame length"),
            Invalid::TooLarge { len } => {
                write!(
                    f,
                    "frame length {len} above the {MAX_FRAME_BYTES}-byte limit"
                )
            }
            Invalid::ShortPayload { len, available } => {
                write!(
                    f,
                    "frame of {len} bytes but only {available} left in the file"
                )
            }
            Invalid::CrcMismatch => write!(f, "crc32c mismatch"),
        }
    }
}

/// The payload range of the frame at `at`, if a whole, intact frame is there.
pub(crate) fn parse_at(buf: &[u8], at: usize, salt: u64) -> Result<Range<usize>, Invalid> {
    let rest = buf.get(at..).unwrap_or_default();
    let (Some(len_field), Some(crc_field)) = (rest.get(0..4), rest.get(4..8)) else {
        return Err(Invalid::ShortHeader {
            available: rest.len(),
        });
    };
    let len = u32::from_le_bytes([len_field[0], len_field[1], len_field[2], len_field[3]]) as usize;
    if len == 0 {
        return Err(Invalid::ZeroLength);
    }
    if len > MAX_FRAME_BYTES {
        return Err(Invalid::TooLarge { len });
    }
    let Some(payload) = rest.get(FRAME_HEADER..FRAME_HEADER + len) else {
        return Err(Invalid::ShortPayload {
            len,
            available: rest.len() - FRAME_HEADER,
        });
    };
    let stored = u32::from_le_bytes([crc_field[0], crc_field[1], crc_field[2], crc_field[3]]);
    if stored != checksum(salt, len_field, payload) {
        return Err(Invalid::CrcMismatch);
    }
    let start = at + FRAME_HEADER;
    Ok(start..start + len)
}

/// Where a scan stopped before the end of the buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Damage {
    /// Offset of the first byte that is not part of an intact frame.
    pub offset: usize,
    pub reason: Invalid,
    /// Offset of an intact frame after the damage, if there is one: then the
    /// damage is in the middle, not a torn tail.
    pub next_valid: Option<usize>,
}

/// Every intact frame from `start` on, in order, and the damage that ended
/// the scan early, if any.
///
/// Tail or middle: a crash can only tear what was written after the last
/// fsync, and each fsync covers whole frames appended at the end, so torn
/// bytes are always a suffix of the file that contains no intact frame.
/// An intact frame anywhere after the damage (searched at every byte
/// offset, since the damaged length cannot be trusted to find it) means
/// bytes that were once durable have changed: that is corruption, not a
/// torn write.
pub(crate) fn scan(buf: &[u8], start: usize, salt: u64) -> (Vec<Range<usize>>, Option<Damage>) {
    let mut frames = Vec::new();
    let mut at = start;
    while at < buf.len() {
        match parse_at(buf, at, salt) {
            Ok(payload) => {
                at = payload.end;
                frames.push(payload);
            }
            Err(reason) => {
                let next_valid = (at + 1..buf.len()).find(|&p| parse_at(buf, p, salt).is_ok());
                let damage = Damage {
                    offset: at,
                    reason,
                    next_valid,
                };
                return (frames, Some(damage));
            }
        }
    }
    (frames, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALT: u64 = 0x5eed;

    fn file_of(payloads: &[&[u8]]) -> Vec<u8> {
        let mut buf = Vec::new();
        for p in payloads {
            encode_frame(SALT, p, &mut buf);
        }
        buf
    }

    #[test]
    fn intact_frames_scan_back_in_order() {
        let buf = file_of(&[b"one", b"three", b"x"]);
        let (frames, damage) = scan(&buf, 0, SALT);
        let got: Vec<&[u8]> = frames.iter().map(|r| &buf[r.clone()]).collect();
        assert_eq!(got, vec![&b"one"[..], b"three", b"x"]);
        assert_eq!(damage, None);
    }

    #[test]
    fn a_frame_under_another_salt_does_not_check_out() {
        let buf = file_of(&[b"payload"]);
        assert_eq!(parse_at(&buf, 0, SALT + 1), Err(Invalid::CrcMismatch));
    }

    #[test]
    fn every_truncation_of_the_last_frame_is_a_tail() {
        let buf = file_of(&[b"first", b"second frame"]);
        let second = FRAME_HEADER + 5;
        for cut in second + 1..buf.len() {
            let (frames, damage) = scan(&buf[..cut], 0, SALT);
            assert_eq!(frames.len(), 1, "cut at {cut}");
            let damage = damage.expect("a torn frame is damage");
            assert_eq!((damage.offset, damage.next_valid), (second, None));
        }
    }

    #[test]
    fn a_huge_length_is_rejected_without_allocating() {
        let mut buf = file_of(&[b"ok"]);
        buf.extend_from_slice(&u32::MAX.to_le_bytes());
        buf.extend_from_slice(&[0; 12]);
        let (frames, damage) = scan(&buf, 0, SALT);
        assert_eq!(frames.len(), 1);
        let damage = damage.expect("damage");
        assert_eq!(
            damage.reason,
            Invalid::TooLarge {
                len: u32::MAX as usize
            }
        );
        assert_eq!(damage.next_valid, None);
    }

    #[test]
    fn damage_followed_by_an_intact_frame_is_in_the_middle() {
        let mut buf = file_of(&[b"first", b"second", b"third"]);
        let second = FRAME_HEADER + 5;
        buf[second] ^= 0x40; // the length field: the next frame cannot be found by it
        let (frames, damage) = scan(&buf, 0, SALT);
        assert_eq!(frames.len(), 1);
        let damage = damage.expect("damage");
        assert_eq!(damage.offset, second);
        assert_eq!(damage.next_valid, Some(second + FRAME_HEADER + 6));
    }
}
