//! Frames on a peer connection: a u32 big-endian payload length, then the
//! payload. After the handshake every payload is a postcard-encoded
//! [`FrameIn`] / [`FrameOut`]: a message or a ping.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::codec::CodecError;

/// A message frame as written: borrows the message so the caller keeps it.
/// Serializes exactly as [`FrameIn::Msg`] (serde writes `&M` as `M`); pings
/// are the constant [`PING`].
#[derive(Serialize)]
pub(crate) enum FrameOut<'a, M> {
    Msg(&'a M),
}

/// A frame as read.
#[derive(Deserialize)]
pub(crate) enum FrameIn<M> {
    Msg(M),
    Ping,
}

/// Why a frame could not be read. Every one closes the connection.
#[derive(Debug)]
pub enum FrameError {
    /// The peer announced a payload larger than the limit; nothing of it
    /// was read or allocated.
    TooLarge {
        len: u32,
        max: u32,
    },
    /// The payload is not what this version of zoolab writes.
    Decode(CodecError),
    /// No byte arrived for this long (in the middle of a frame or between
    /// frames, where pings should have come).
    Idle(Duration),
    Io(std::io::Error),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::TooLarge { len, max } => {
                write!(f, "frame of {len} bytes exceeds the limit of {max} bytes")
            }
            FrameError::Decode(e) => write!(f, "undecodable frame: {e}"),
            FrameError::Idle(d) => write!(f, "nothing heard for {d:?}"),
            FrameError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for FrameError {}

impl From<std::io::Error> for FrameError {
    fn from(e: std::io::Error) -> FrameError {
        FrameError::Io(e)
    }
}

/// Reads one frame's payload, refusing before allocation any frame whose
/// announced length exceeds `max`. Fails when the peer goes silent for
/// `idle`, but not while a large frame keeps arriving, however slowly.
pub(crate) async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    max: u32,
    idle: Duration,
) -> Result<Vec<u8>, FrameError> {
    let mut header = [0u8; 4];
    read_full(reader, &mut header, idle).await?;
    let len = u32::from_be_bytes(header);
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    let mut payload = vec![0u8; len as usize];
    read_full(reader, &mut payload, idle).await?;
    Ok(payload)
}

async fn read_full<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut [u8],
    idle: Duration,
) -> Result<(), FrameError> {
    let mut filled = 0;
    while filled < buf.len() {
        // `read` consumes nothing when it is cancelled, so a timeout
        // loses no bytes.
        let n = tokio::time::timeout(idle, reader.read(&mut buf[filled..]))
            .await
            .map_err(|_| FrameError::Idle(idle))??;
        if n == 0 {
            return Err(FrameError::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        filled += n;
    }
    Ok(())
}

/// Writes one frame into `writer` (a buffered writer: the caller flushes).
/// The caller has checked `payload` against the limit, so it fits a u32.
pub(crate) async fn write_frame<W: AsyncWrite + Unpin>(
    writer: &mut W,
    payload: &[u8],
) -> std::io::Result<()> {
    let len = u32::try_from(payload.len()).map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "frame exceeds u32 length")
    })?;
    writer.write_u32(len).await?;
    writer.write_all(payload).await
}

/// The payload of a ping frame: postcard's encoding of [`FrameIn::Ping`],
/// the variant index 1 (a test checks it).
pub(crate) const PING: &[u8] = &[1];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test]
    async fn round_trips_messages_and_pings() {
        let mut buf = Vec::new();
        let msg = (3u64, String::from("propose"));
        write_frame(&mut buf, &codec::encode(&FrameOut::Msg(&msg)).unwrap())
            .await
            .unwrap();
        write_frame(&mut buf, PING).await.unwrap();
        let mut reader = &buf[..];
        let first = read_frame(&mut reader, 1024, SECOND).await.unwrap();
        match codec::decode::<FrameIn<(u64, String)>>(&first).unwrap() {
            FrameIn::Msg(m) => assert_eq!(m, msg),
            FrameIn::Ping => panic!("expected a message"),
        }
        let second = read_frame(&mut reader, 1024, SECOND).await.unwrap();
        assert!(matches!(
            codec::decode::<FrameIn<(u64, String)>>(&second).unwrap(),
            FrameIn::Ping
        ));
        assert!(matches!(
            read_frame(&mut reader, 1024, SECOND).await,
            Err(FrameError::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof
        ));
    }

    #[test]
    fn ping_constant_is_the_encoded_ping() {
        assert!(matches!(
            codec::decode::<FrameIn<u64>>(PING).unwrap(),
            FrameIn::Ping
        ));
    }

    #[tokio::test]
    async fn refuses_an_oversized_frame_from_its_header_alone() {
        // Only the header is present: a reader that tried to allocate and
        // read the payload would fail with an EOF instead.
        let header = (u32::MAX).to_be_bytes();
        let mut reader = &header[..];
        match read_frame(&mut reader, 64 * 1024 * 1024, SECOND).await {
            Err(FrameError::TooLarge { len, max }) => {
                assert_eq!(len, u32::MAX);
                assert_eq!(max, 64 * 1024 * 1024);
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_silent_peer_times_out() {
        let (mut near, _far) = tokio::io::duplex(64);
        let idle = Duration::from_millis(50);
        assert!(matches!(
            read_frame(&mut near, 16, idle).await,
            Err(FrameError::Idle(d)) if d == idle
        ));
    }

    #[tokio::test]
    async fn a_slow_frame_is_not_idle() {
        // Six bytes 200 ms apart: 1.2 s in all, over the 1 s idle limit,
        // but no single silence comes near it.
        let (mut near, mut far) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            far.write_all(&[0, 0, 0, 6]).await?;
            for byte in 1..=6u8 {
                tokio::time::sleep(Duration::from_millis(200)).await;
                far.write_all(&[byte]).await?;
            }
            Ok::<_, std::io::Error>(far)
        });
        let payload = read_frame(&mut near, 16, SECOND).await.unwrap();
        assert_eq!(payload, vec![1, 2, 3, 4, 5, 6]);
        writer.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn accepts_a_frame_exactly_at_the_limit() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &[7u8; 16]).await.unwrap();
        let mut reader = &buf[..];
        assert_eq!(
            read_frame(&mut reader, 16, SECOND).await.unwrap(),
            vec![7u8; 16]
        );
        let mut reader = &buf[..];
        assert!(matches!(
            read_frame(&mut reader, 15, SECOND).await,
            Err(FrameError::TooLarge { len: 16, max: 15 })
        ));
    }
}
