//! Length-prefixed frames: `int32 length` then that many bytes. The server
//! closes a connection whose length is negative or over `jute.maxbuffer`
//! (NIOServerCnxn.readLength); nothing is allocated before the check.

use std::fmt;

use tokio::io::{AsyncRead, AsyncReadExt};

use super::jute::Writer;
use super::records::ReplyHeader;
use super::response::Response;

/// Why a connection's frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// Negative or over the limit: ZooKeeper closes the connection.
    BadLength(i32),
    /// The peer closed (or reset) the connection.
    Io(std::io::Error),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::BadLength(n) => write!(f, "frame length {n} is out of bounds"),
            FrameError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Checks a frame length against the limit.
pub fn check_length(len: i32, max: usize) -> Result<usize, FrameError> {
    match usize::try_from(len) {
        Ok(n) if n <= max => Ok(n),
        _ => Err(FrameError::BadLength(len)),
    }
}

/// Reads the payload of a frame whose length is already known.
pub async fn read_payload<R: AsyncRead + Unpin>(
    reader: &mut R,
    len: usize,
) -> Result<Vec<u8>, FrameError> {
    let mut payload = vec![0u8; len];
    reader
        .read_exact(&mut payload)
        .await
        .map_err(FrameError::Io)?;
    Ok(payload)
}

/// Reads one whole frame.
pub async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> Result<Vec<u8>, FrameError> {
    let mut len = [0u8; 4];
    reader.read_exact(&mut len).await.map_err(FrameError::Io)?;
    let len = check_length(i32::from_be_bytes(len), max)?;
    read_payload(reader, len).await
}

/// Prefixes a payload with its length.
pub fn framed(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 4);
    let len = i32::try_from(payload.len()).unwrap_or(i32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A whole reply frame: header, then the body only on success.
pub fn reply_frame(header: ReplyHeader, body: Option<&Response>) -> Vec<u8> {
    let mut w = Writer::new();
    header.write(&mut w);
    if let Some(body) = body {
        body.write(&mut w);
    }
    framed(&w.into_bytes())
}
