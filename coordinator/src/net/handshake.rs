//! The handshake that opens every peer connection.
//!
//! The dialer sends one frame: the magic `ZLAB`, the format version (u16
//! big-endian), then a postcard [`Hello`]. The acceptor answers one frame, a
//! postcard [`Reply`]: accepted, or rejected with a [`Rejection`] that both
//! sides log. Magic and version come first, outside postcard, so a later
//! version can change everything after them and still be told apart; the
//! [`Reply`] encoding must stay readable by every version.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use protocols::NodeId;

use super::frame::{FrameError, read_frame, write_frame};
use crate::codec::{self, CodecError};

pub const MAGIC: [u8; 4] = *b"ZLAB";
/// The version of everything on a peer connection: the handshake, the
/// frames and the encoding of the messages they carry.
pub const VERSION: u16 = 1;
/// Handshake frames are tiny; a connection that has not proven it is a
/// peer gets no more than this.
const HANDSHAKE_MAX_FRAME: u32 = 4096;

/// What the dialer announces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Hello {
    pub cluster_id: String,
    pub protocol: String,
    pub from: NodeId,
    /// The id the dialer believes it reached: catches swapped addresses.
    pub to: NodeId,
}

/// The acceptor's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Reply {
    Accept { from: NodeId },
    Reject(Rejection),
}

/// Why an acceptor refused a connection. Sent to the dialer, logged by both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rejection {
    /// The first bytes were not zoolab's magic: not a zoolab peer.
    BadMagic,
    WrongVersion {
        ours: u16,
        theirs: u16,
    },
    /// Magic and version were right, the rest undecodable.
    Malformed,
    WrongCluster {
        ours: String,
        theirs: String,
    },
    WrongProtocol {
        ours: String,
        theirs: String,
    },
    /// The dialer is not in the acceptor's membership.
    UnknownNode {
        id: NodeId,
    },
    /// The dialer meant to reach `wanted` but reached `reached`.
    WrongTarget {
        wanted: NodeId,
        reached: NodeId,
    },
    /// Only the higher id dials (one connection per pair); `dialer` is lower.
    WrongDirection {
        dialer: NodeId,
        acceptor: NodeId,
    },
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::BadMagic => write!(f, "not a zoolab peer (bad magic)"),
            Rejection::WrongVersion { ours, theirs } => {
                write!(f, "peer format version {theirs}, acceptor speaks {ours}")
            }
            Rejection::Malformed => write!(f, "malformed handshake"),
            Rejection::WrongCluster { ours, theirs } => {
                write!(
                    f,
                    "cluster id {theirs:?} does not match acceptor's {ours:?}"
                )
            }
            Rejection::WrongProtocol { ours, theirs } => {
                write!(f, "protocol {theirs:?} does not match acceptor's {ours:?}")
            }
            Rejection::UnknownNode { id } => write!(f, "node {id} is not a member"),
            Rejection::WrongTarget { wanted, reached } => {
                write!(f, "dialed node {wanted} but reached node {reached}")
            }
            Rejection::WrongDirection { dialer, acceptor } => write!(
                f,
                "node {dialer} dialed node {acceptor}, but only the higher id dials"
            ),
        }
    }
}

/// Who this node is, as the handshake checks it.
#[derive(Clone, Debug)]
pub(crate) struct Identity {
    pub me: NodeId,
    pub cluster_id: String,
    pub protocol: String,
    /// The peers, without `me`.
    pub members: BTreeSet<NodeId>,
}

impl Identity {
    fn hello_to(&self, to: NodeId) -> Hello {
        Hello {
            cluster_id: self.cluster_id.clone(),
            protocol: self.protocol.clone(),
            from: self.me,
            to,
        }
    }

    /// The acceptor's checks, in the order a misconfiguration is best
    /// explained: wrong cluster first, then protocol, then ids.
    pub(crate) fn check(&self, hello: &Hello) -> Result<(), Rejection> {
        if hello.cluster_id != self.cluster_id {
            return Err(Rejection::WrongCluster {
                ours: self.cluster_id.clone(),
                theirs: hello.cluster_id.clone(),
            });
        }
        if hello.protocol != self.protocol {
            return Err(Rejection::WrongProtocol {
                ours: self.protocol.clone(),
                theirs: hello.protocol.clone(),
            });
        }
        if hello.to != self.me {
            return Err(Rejection::WrongTarget {
                wanted: hello.to,
                reached: self.me,
            });
        }
        if !self.members.contains(&hello.from) {
            return Err(Rejection::UnknownNode { id: hello.from });
        }
        if !dials(hello.from, self.me) {
            return Err(Rejection::WrongDirection {
                dialer: hello.from,
                acceptor: self.me,
            });
        }
        Ok(())
    }
}

/// The one-connection-per-pair rule: of two nodes, the higher id dials.
pub fn dials(me: NodeId, peer: NodeId) -> bool {
    me > peer
}

pub(crate) fn encode_hello(hello: &Hello) -> Result<Vec<u8>, CodecError> {
    let mut payload = Vec::with_capacity(64);
    payload.extend_from_slice(&MAGIC);
    payload.extend_from_slice(&VERSION.to_be_bytes());
    payload.extend_from_slice(&codec::encode(hello)?);
    Ok(payload)
}

pub(crate) fn decode_hello(payload: &[u8]) -> Result<Hello, Rejection> {
    let (magic, rest) = payload.split_at_checked(4).ok_or(Rejection::BadMagic)?;
    if magic != MAGIC {
        return Err(Rejection::BadMagic);
    }
    let (version, body) = rest.split_at_checked(2).ok_or(Rejection::Malformed)?;
    let theirs = u16::from_be_bytes([version[0], version[1]]);
    if theirs != VERSION {
        return Err(Rejection::WrongVersion {
            ours: VERSION,
            theirs,
        });
    }
    codec::decode(body).map_err(|_| Rejection::Malformed)
}

/// Why a handshake failed.
#[derive(Debug)]
pub enum HandshakeError {
    Timeout,
    Frame(FrameError),
    Encode(CodecError),
    /// The peer refused us, and said why.
    RejectedByPeer(Rejection),
    /// We refused the peer (and told it why, if the socket allowed).
    Refused(Rejection),
    /// The acceptor's reply was not a [`Reply`].
    BadReply(CodecError),
    /// The acceptor accepted but is not the node we dialed.
    UnexpectedPeer {
        expected: NodeId,
        got: NodeId,
    },
}

impl std::fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandshakeError::Timeout => write!(f, "handshake timed out"),
            HandshakeError::Frame(e) => write!(f, "handshake frame: {e}"),
            HandshakeError::Encode(e) => write!(f, "handshake encoding: {e}"),
            HandshakeError::RejectedByPeer(r) => write!(f, "rejected by peer: {r}"),
            HandshakeError::Refused(r) => write!(f, "refused: {r}"),
            HandshakeError::BadReply(e) => write!(f, "unreadable handshake reply: {e}"),
            HandshakeError::UnexpectedPeer { expected, got } => {
                write!(f, "expected node {expected}, reached node {got}")
            }
        }
    }
}

impl std::error::Error for HandshakeError {}

impl From<FrameError> for HandshakeError {
    fn from(e: FrameError) -> HandshakeError {
        HandshakeError::Frame(e)
    }
}

impl From<std::io::Error> for HandshakeError {
    fn from(e: std::io::Error) -> HandshakeError {
        HandshakeError::Frame(FrameError::Io(e))
    }
}

async fn send_payload<S: AsyncWrite + Unpin>(
    stream: &mut S,
    payload: &[u8],
) -> std::io::Result<()> {
    let mut frame = Vec::with_capacity(4 + payload.len());
    write_frame(&mut frame, payload).await?;
    stream.write_all(&frame).await?;
    stream.flush().await
}

/// The dialer's side: announce ourselves to `peer`, wait for its verdict.
pub(crate) async fn dial<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    identity: &Identity,
    peer: NodeId,
    limit: Duration,
) -> Result<(), HandshakeError> {
    let exchange = async {
        let hello = encode_hello(&identity.hello_to(peer)).map_err(HandshakeError::Encode)?;
        send_payload(stream, &hello).await?;
        let reply = read_frame(stream, HANDSHAKE_MAX_FRAME, limit).await?;
        match codec::decode::<Reply>(&reply).map_err(HandshakeError::BadReply)? {
            Reply::Accept { from } if from == peer => Ok(()),
            Reply::Accept { from } => Err(HandshakeError::UnexpectedPeer {
                expected: peer,
                got: from,
            }),
            Reply::Reject(why) => Err(HandshakeError::RejectedByPeer(why)),
        }
    };
    tokio::time::timeout(limit, exchange)
        .await
        .map_err(|_| HandshakeError::Timeout)?
}

/// The acceptor's side: read the dialer's hello, check it, answer. Returns
/// the dialer's id.
pub(crate) async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    identity: &Identity,
    limit: Duration,
) -> Result<NodeId, HandshakeError> {
    let exchange = async {
        let payload = read_frame(stream, HANDSHAKE_MAX_FRAME, limit).await?;
        let verdict = decode_hello(&payload).and_then(|hello| {
            identity.check(&hello)?;
            Ok(hello.from)
        });
        let reply = match &verdict {
            Ok(_) => Reply::Accept { from: identity.me },
            Err(why) => Reply::Reject(why.clone()),
        };
        let reply = codec::encode(&reply).map_err(HandshakeError::Encode)?;
        let sent = send_payload(stream, &reply).await;
        match verdict {
            Ok(from) => {
                sent?;
                Ok(from)
            }
            // The rejection is what matters; whether the dialer heard it
            // is secondary.
            Err(why) => Err(HandshakeError::Refused(why)),
        }
    };
    tokio::time::timeout(limit, exchange)
        .await
        .map_err(|_| HandshakeError::Timeout)?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(me: NodeId) -> Identity {
        Identity {
            me,
            cluster_id: "c1".into(),
            protocol: "zab".into(),
            members: [1, 2, 3].into_iter().filter(|&n| n != me).collect(),
        }
    }

    #[test]
    fn hello_round_trips_and_checks_pass_for_a_higher_member() {
        let hello = identity(3).hello_to(1);
        let decoded = decode_hello(&encode_hello(&hello).unwrap()).unwrap();
        assert_eq!(decoded, hello);
        assert_eq!(identity(1).check(&decoded), Ok(()));
    }

    #[test]
    fn rejects_foreign_bytes_and_other_versions() {
        assert_eq!(decode_hello(b"GET / HTTP/1.1"), Err(Rejection::BadMagic));
        assert_eq!(decode_hello(b"ZL"), Err(Rejection::BadMagic));
        let mut payload = encode_hello(&identity(3).hello_to(1)).unwrap();
        payload[4..6].copy_from_slice(&(VERSION + 1).to_be_bytes());
        assert_eq!(
            decode_hello(&payload),
            Err(Rejection::WrongVersion {
                ours: VERSION,
                theirs: VERSION + 1
            })
        );
        assert_eq!(decode_hello(b"ZLAB\x00\x01\xff"), Err(Rejection::Malformed));
    }

    #[test]
    fn rejects_wrong_cluster_protocol_member_target_and_direction() {
        let acceptor = identity(1);
        let base = identity(3).hello_to(1);
        let cases = [
            (
                Hello {
                    cluster_id: "other".into(),
                    ..base.clone()
                },
                Rejection::WrongCluster {
                    ours: "c1".into(),
                    theirs: "other".into(),
                },
            ),
            (
                Hello {
                    protocol: "multipaxos".into(),
                    ..base.clone()
                },
                Rejection::WrongProtocol {
                    ours: "zab".into(),
                    theirs: "multipaxos".into(),
                },
            ),
            (
                Hello {
                    from: 9,
                    ..base.clone()
                },
                Rejection::UnknownNode { id: 9 },
            ),
            (
                Hello {
                    to: 2,
                    ..base.clone()
                },
                Rejection::WrongTarget {
                    wanted: 2,
                    reached: 1,
                },
            ),
        ];
        for (hello, expected) in cases {
            assert_eq!(acceptor.check(&hello), Err(expected));
        }
        assert_eq!(
            identity(3).check(&identity(1).hello_to(3)),
            Err(Rejection::WrongDirection {
                dialer: 1,
                acceptor: 3
            })
        );
    }

    #[tokio::test]
    async fn dialer_hears_the_acceptors_rejection() {
        let (mut a, mut b) = tokio::io::duplex(4096);
        let dialer = Identity {
            cluster_id: "other".into(),
            ..identity(3)
        };
        let acceptor = identity(1);
        let limit = Duration::from_secs(5);
        let (dialed, accepted) = tokio::join!(
            dial(&mut a, &dialer, 1, limit),
            accept(&mut b, &acceptor, limit)
        );
        let expected = Rejection::WrongCluster {
            ours: "c1".into(),
            theirs: "other".into(),
        };
        assert!(matches!(dialed, Err(HandshakeError::RejectedByPeer(r)) if r == expected));
        assert!(matches!(accepted, Err(HandshakeError::Refused(r)) if r == expected));
    }

    #[tokio::test]
    async fn matching_peers_agree() {
        let (mut a, mut b) = tokio::io::duplex(4096);
        let (dialer, acceptor) = (identity(2), identity(1));
        let limit = Duration::from_secs(5);
        let (dialed, accepted) = tokio::join!(
            dial(&mut a, &dialer, 1, limit),
            accept(&mut b, &acceptor, limit)
        );
        assert!(dialed.is_ok(), "{dialed:?}");
        assert_eq!(accepted.unwrap(), 2);
    }
}
