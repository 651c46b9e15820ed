//! Jute's binary archive: big-endian integers, length-prefixed buffers and
//! strings where a length of -1 is null, vectors with a count (-1 null).
//! Records are their fields concatenated; there are no tags.

use std::fmt;

/// The largest frame the server accepts (`jute.maxbuffer`, 0xfffff).
pub const DEFAULT_MAX_BUFFER: usize = 0xfffff;

/// Why bytes are not the record they should be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JuteError {
    /// The record needs more bytes than the frame holds.
    Truncated { needed: usize, left: usize },
    /// A buffer, string or vector length below -1 or above the limit
    /// (Java's "Unreasonable length").
    BadLength(i32),
    /// A null where the request needs a value (a null path: ZooKeeper
    /// answers MARSHALLINGERROR).
    Null(&'static str),
    /// Bytes left after the record.
    Trailing(usize),
    /// A value outside the enumeration the field allows.
    BadValue { field: &'static str, value: i32 },
}

impl fmt::Display for JuteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JuteError::Truncated { needed, left } => {
                write!(f, "truncated record: {needed} bytes needed, {left} left")
            }
            JuteError::BadLength(n) => write!(f, "unreasonable length {n}"),
            JuteError::Null(field) => write!(f, "{field} is null"),
            JuteError::Trailing(n) => write!(f, "{n} bytes after the record"),
            JuteError::BadValue { field, value } => write!(f, "{field} {value} is not valid"),
        }
    }
}

impl std::error::Error for JuteError {}

/// Reads one frame's records.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Longest buffer/string/vector accepted (Java: maxbuffer + extra).
    max_len: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader {
            buf,
            pos: 0,
            max_len: 2 * DEFAULT_MAX_BUFFER,
        }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Fails unless every byte was read.
    pub fn finish(&self) -> Result<(), JuteError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(JuteError::Trailing(n)),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], JuteError> {
        let left = self.remaining();
        if n > left {
            return Err(JuteError::Truncated { needed: n, left });
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], JuteError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn int(&mut self) -> Result<i32, JuteError> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    pub fn long(&mut self) -> Result<i64, JuteError> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    /// Java's readBoolean: any non-zero byte is true.
    pub fn bool(&mut self) -> Result<bool, JuteError> {
        Ok(self.array::<1>()?[0] != 0)
    }

    /// A length: `None` for -1 (null).
    fn len(&mut self) -> Result<Option<usize>, JuteError> {
        let n = self.int()?;
        match n {
            -1 => Ok(None),
            n if n < 0 => Err(JuteError::BadLength(n)),
            n => {
                let len = usize::try_from(n).map_err(|_| JuteError::BadLength(n))?;
                if len > self.max_len {
                    return Err(JuteError::BadLength(n));
                }
                Ok(Some(len))
            }
        }
    }

    pub fn buffer(&mut self) -> Result<Option<Vec<u8>>, JuteError> {
        match self.len()? {
            None => Ok(None),
            Some(n) => Ok(Some(self.take(n)?.to_vec())),
        }
    }

    /// A ustring; invalid UTF-8 is replaced, as Java's reader does.
    pub fn ustring(&mut self) -> Result<Option<String>, JuteError> {
        match self.len()? {
            None => Ok(None),
            Some(n) => Ok(Some(String::from_utf8_lossy(self.take(n)?).into_owned())),
        }
    }

    /// A ustring that must not be null.
    pub fn string(&mut self, field: &'static str) -> Result<String, JuteError> {
        self.ustring()?.ok_or(JuteError::Null(field))
    }

    pub fn vector<T>(
        &mut self,
        mut item: impl FnMut(&mut Reader<'a>) -> Result<T, JuteError>,
    ) -> Result<Option<Vec<T>>, JuteError> {
        let Some(n) = self.len()? else {
            return Ok(None);
        };
        // Each element takes at least one byte: a huge count in a short
        // frame fails here, before any allocation.
        if n > self.remaining() {
            return Err(JuteError::Truncated {
                needed: n,
                left: self.remaining(),
            });
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(item(self)?);
        }
        Ok(Some(out))
    }

    /// A vector of ustrings; null reads as empty and null items as "".
    pub fn strings(&mut self) -> Result<Vec<String>, JuteError> {
        Ok(self
            .vector(|r| Ok(r.ustring()?.unwrap_or_default()))?
            .unwrap_or_default())
    }
}

/// Writes records into one frame's payload.
#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn int(&mut self, v: i32) -> &mut Writer {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn long(&mut self, v: i64) -> &mut Writer {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn bool(&mut self, v: bool) -> &mut Writer {
        self.buf.push(u8::from(v));
        self
    }

    fn len_of(&mut self, n: usize) {
        // Lengths over i32::MAX cannot occur: frames are bounded far below.
        self.int(i32::try_from(n).unwrap_or(i32::MAX));
    }

    pub fn buffer(&mut self, v: Option<&[u8]>) -> &mut Writer {
        match v {
            None => self.int(-1),
            Some(b) => {
                self.len_of(b.len());
                self.buf.extend_from_slice(b);
                self
            }
        }
    }

    pub fn ustring(&mut self, v: Option<&str>) -> &mut Writer {
        self.buffer(v.map(str::as_bytes))
    }

    pub fn string(&mut self, v: &str) -> &mut Writer {
        self.ustring(Some(v))
    }

    pub fn vector<T>(&mut self, items: Option<&[T]>, mut item: impl FnMut(&mut Writer, &T)) {
        match items {
            None => {
                self.int(-1);
            }
            Some(items) => {
                self.len_of(items.len());
                for i in items {
                    item(self, i);
                }
            }
        }
    }

    pub fn strings(&mut self, items: &[String]) -> &mut Writer {
        self.vector(Some(items), |w, s| {
            w.string(s);
        });
        self
    }

    pub fn raw(&mut self, bytes: &[u8]) -> &mut Writer {
        self.buf.extend_from_slice(bytes);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_and_empty_buffers_are_different_values() {
        let mut w = Writer::new();
        w.buffer(None).buffer(Some(b"")).string("/a");
        let bytes = w.into_bytes();
        assert_eq!(
            bytes,
            [255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 2, b'/', b'a']
        );
        let mut r = Reader::new(&bytes);
        assert_eq!(r.buffer(), Ok(None));
        assert_eq!(r.buffer(), Ok(Some(Vec::new())));
        assert_eq!(r.string("path"), Ok("/a".to_string()));
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn negative_and_oversized_lengths_are_refused_before_allocating() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xfe]);
        assert_eq!(r.buffer(), Err(JuteError::BadLength(-2)));
        let mut r = Reader::new(&[0x7f, 0xff, 0xff, 0xff]);
        assert_eq!(r.buffer(), Err(JuteError::BadLength(i32::MAX)));
        let mut r = Reader::new(&[0x00, 0x10, 0x00, 0x00, 1, 2]);
        assert!(matches!(
            r.vector(|r| r.int()),
            Err(JuteError::Truncated { .. })
        ));
    }

    #[test]
    fn a_short_record_is_truncated_not_a_panic() {
        let mut r = Reader::new(&[0, 0, 0, 5, b'/', b'a']);
        assert_eq!(
            r.string("path"),
            Err(JuteError::Truncated { needed: 5, left: 2 })
        );
        let mut r = Reader::new(&[0, 0]);
        assert_eq!(r.long(), Err(JuteError::Truncated { needed: 8, left: 2 }));
    }
}
