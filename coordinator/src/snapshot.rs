//! Snapshots of the whole state machine (tree, sessions, last zxid).
//!
//! Format (all integers little-endian):
//!
//! ```text
//! magic    8 bytes  "ZOOLSNAP"
//! version  u32      SNAPSHOT_VERSION
//! zxid     u64      the last applied zxid the snapshot holds
//! length   u64      length of the body
//! crc32c   u32      of the body
//! body              postcard: nodes (path, data, acl, stat, kind) in path
//!                   order, then sessions (id, timeout, password)
//! ```
//!
//! Children lists and the ephemeral/container/TTL indexes are not stored:
//! they are rebuilt on restore, which also checks that every node's parent
//! exists and every ephemeral's owner is a live session. A snapshot that
//! fails any check is refused with a typed [`SnapshotError`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use protocols::Zxid;

use crate::acl::Acl;
use crate::config::TreeConfig;
use crate::event::SessionId;
use crate::path;
use crate::session::Session;
use crate::stat::StatPersisted;
use crate::tree::{DataTree, Node, NodeKind};

pub const MAGIC: &[u8; 8] = b"ZOOLSNAP";
pub const SNAPSHOT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 8 + 8 + 4;

#[derive(Serialize)]
struct NodeOut<'a> {
    path: &'a str,
    data: &'a Option<Vec<u8>>,
    acl: &'a [Acl],
    stat: &'a StatPersisted,
    kind: NodeKind,
}

#[derive(Deserialize)]
struct NodeIn {
    path: String,
    data: Option<Vec<u8>>,
    acl: Vec<Acl>,
    stat: StatPersisted,
    kind: NodeKind,
}

#[derive(Serialize, Deserialize)]
struct SessionRecord {
    id: SessionId,
    timeout_ms: i32,
    password: [u8; 16],
}

#[derive(Serialize)]
struct BodyOut<'a> {
    nodes: Vec<NodeOut<'a>>,
    sessions: Vec<SessionRecord>,
}

#[derive(Deserialize)]
struct BodyIn {
    nodes: Vec<NodeIn>,
    sessions: Vec<SessionRecord>,
}

/// Why bytes are not a usable snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotError {
    /// Shorter than the header.
    TooShort(usize),
    BadMagic,
    UnsupportedVersion(u32),
    /// The body is shorter (or longer) than the header says.
    Truncated {
        expected: u64,
        got: u64,
    },
    Checksum {
        expected: u32,
        actual: u32,
    },
    /// The body does not decode.
    Malformed(String),
    /// The body decodes but does not describe a valid tree.
    Inconsistent(String),
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::TooShort(n) => write!(f, "snapshot too short ({n} bytes)"),
            SnapshotError::BadMagic => write!(f, "not a zoolab snapshot (bad magic)"),
            SnapshotError::UnsupportedVersion(v) => write!(f, "unsupported snapshot version {v}"),
            SnapshotError::Truncated { expected, got } => {
                write!(f, "snapshot body is {got} bytes, header says {expected}")
            }
            SnapshotError::Checksum { expected, actual } => {
                write!(
                    f,
                    "snapshot checksum mismatch: header {expected:#010x}, body {actual:#010x}"
                )
            }
            SnapshotError::Malformed(e) => write!(f, "malformed snapshot body: {e}"),
            SnapshotError::Inconsistent(e) => write!(f, "inconsistent snapshot: {e}"),
        }
    }
}

impl std::error::Error for SnapshotError {}

impl DataTree {
    /// The whole state at [`DataTree::last_zxid`], in the snapshot format.
    pub fn snapshot(&self) -> Vec<u8> {
        let body = BodyOut {
            nodes: self
                .nodes
                .iter()
                .map(|(p, n)| NodeOut {
                    path: p,
                    data: &n.data,
                    acl: &n.acl,
                    stat: &n.stat,
                    kind: n.kind,
                })
                .collect(),
            sessions: self
                .sessions
                .values()
                .map(|s| SessionRecord {
                    id: s.id,
                    timeout_ms: s.timeout_ms,
                    password: s.password,
                })
                .collect(),
        };
        let body = match postcard::to_allocvec(&body) {
            Ok(b) => b,
            Err(e) => unreachable!("postcard cannot fail on a Vec writer: {e}"),
        };
        let mut out = Vec::with_capacity(HEADER_LEN + body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
        out.extend_from_slice(&self.last_zxid.0.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32c::crc32c(&body).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// The zxid a snapshot holds, from its header alone (after checking the
    /// magic and version).
    pub fn snapshot_zxid(bytes: &[u8]) -> Result<Zxid, SnapshotError> {
        header(bytes).map(|h| h.zxid)
    }

    /// Rebuilds the state a snapshot holds. `config` is this server's (it
    /// is configuration, not replicated state).
    pub fn restore(bytes: &[u8], config: TreeConfig) -> Result<DataTree, SnapshotError> {
        let h = header(bytes)?;
        let body = &bytes[HEADER_LEN..];
        if body.len() as u64 != h.length {
            return Err(SnapshotError::Truncated {
                expected: h.length,
                got: body.len() as u64,
            });
        }
        let actual = crc32c::crc32c(body);
        if actual != h.crc {
            return Err(SnapshotError::Checksum {
                expected: h.crc,
                actual,
            });
        }
        let body: BodyIn =
            postcard::from_bytes(body).map_err(|e| SnapshotError::Malformed(e.to_string()))?;
        build(body, h.zxid, config)
    }
}

struct Header {
    zxid: Zxid,
    length: u64,
    crc: u32,
}

fn header(bytes: &[u8]) -> Result<Header, SnapshotError> {
    if bytes.len() < HEADER_LEN {
        return Err(SnapshotError::TooShort(bytes.len()));
    }
    let field = |at: usize, n: usize| &bytes[at..at + n];
    if field(0, 8) != MAGIC {
        return Err(SnapshotError::BadMagic);
    }
    let u32_at = |at| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let u64_at = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(field(at, 8));
        u64::from_le_bytes(b)
    };
    let version = u32_at(8);
    if version != SNAPSHOT_VERSION {
        return Err(SnapshotError::UnsupportedVersion(version));
    }
    Ok(Header {
        zxid: Zxid(u64_at(12)),
        length: u64_at(20),
        crc: u32_at(28),
    })
}

fn build(body: BodyIn, zxid: Zxid, config: TreeConfig) -> Result<DataTree, SnapshotError> {
    let bad = |what: String| Err(SnapshotError::Inconsistent(what));
    let mut sessions = BTreeMap::new();
    for s in body.sessions {
        let session = Session {
            id: s.id,
            timeout_ms: s.timeout_ms,
            password: s.password,
            ephemerals: BTreeSet::new(),
        };
        if sessions.insert(s.id, session).is_some() {
            return bad(format!("session {:#x} twice", s.id));
        }
    }
    let mut nodes = BTreeMap::new();
    for n in body.nodes {
        if path::validate(&n.path).is_err() {
            return bad(format!("invalid path {:?}", n.path));
        }
        let node = Node::new(n.data, n.acl, n.stat, n.kind);
        if nodes.insert(n.path.clone(), node).is_some() {
            return bad(format!("node {} twice", n.path));
        }
    }
    if !nodes.contains_key(path::ROOT) {
        return bad("no root".to_string());
    }
    let mut tree = DataTree {
        config,
        nodes: BTreeMap::new(),
        sessions,
        containers: BTreeSet::new(),
        ttls: BTreeSet::new(),
        last_zxid: zxid,
    };
    let paths: Vec<(String, NodeKind)> = nodes.iter().map(|(p, n)| (p.clone(), n.kind)).collect();
    for (p, kind) in &paths {
        if p != path::ROOT {
            let parent = path::parent(p);
            match nodes.get_mut(parent) {
                Some(pn) if matches!(pn.kind, NodeKind::Ephemeral(_)) => {
                    return bad(format!("{p} under ephemeral {parent}"));
                }
                Some(pn) => {
                    pn.children.insert(path::name(p).to_string());
                }
                None => return bad(format!("{p} has no parent")),
            }
        }
        if let NodeKind::Ephemeral(owner) = kind
            && !tree.sessions.contains_key(owner)
        {
            return bad(format!("{p} owned by unknown session {owner:#x}"));
        }
        tree.index(p, *kind);
    }
    tree.nodes = nodes;
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(nodes: Vec<NodeOut<'_>>, sessions: Vec<SessionRecord>) -> Vec<u8> {
        let body = postcard::to_allocvec(&BodyOut { nodes, sessions }).expect("encodes");
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
        out.extend_from_slice(&7u64.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32c::crc32c(&body).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    fn node(path: &str, kind: NodeKind) -> NodeOut<'_> {
        const NONE: &Option<Vec<u8>> = &None;
        const STAT: &StatPersisted = &StatPersisted {
            czxid: 0,
            mzxid: 0,
            ctime: 0,
            mtime: 0,
            version: 0,
            cversion: 0,
            aversion: 0,
            pzxid: 0,
        };
        NodeOut {
            path,
            data: NONE,
            acl: &[],
            stat: STAT,
            kind,
        }
    }

    fn inconsistent(bytes: &[u8]) -> bool {
        matches!(
            DataTree::restore(bytes, TreeConfig::default()),
            Err(SnapshotError::Inconsistent(_))
        )
    }

    #[test]
    fn well_checksummed_nonsense_is_refused() {
        let p = NodeKind::Persistent;
        let ok = encode(vec![node("/", p), node("/a", p)], vec![]);
        let tree = DataTree::restore(&ok, TreeConfig::default()).expect("valid");
        assert_eq!((tree.node_count(), tree.last_zxid()), (2, Zxid(7)));
        assert!(
            inconsistent(&encode(vec![node("/a", p)], vec![])),
            "no root"
        );
        assert!(
            inconsistent(&encode(vec![node("/", p), node("/a/b", p)], vec![])),
            "orphan"
        );
        assert!(
            inconsistent(&encode(vec![node("/", p), node("bad", p)], vec![])),
            "bad path"
        );
        assert!(
            inconsistent(&encode(
                vec![node("/", p), node("/a", p), node("/a", p)],
                vec![]
            )),
            "duplicate"
        );
        let e = NodeKind::Ephemeral(5);
        assert!(
            inconsistent(&encode(vec![node("/", p), node("/e", e)], vec![])),
            "ownerless ephemeral"
        );
        let s = || SessionRecord {
            id: 5,
            timeout_ms: 4000,
            password: [0; 16],
        };
        let under = encode(
            vec![node("/", p), node("/e", e), node("/e/x", p)],
            vec![s()],
        );
        assert!(inconsistent(&under), "child of an ephemeral");
        assert!(
            inconsistent(&encode(vec![node("/", p)], vec![s(), s()])),
            "duplicate session"
        );
        let owned = DataTree::restore(
            &encode(vec![node("/", p), node("/e", e)], vec![s()]),
            TreeConfig::default(),
        );
        assert_eq!(
            owned.expect("valid").get_ephemerals(5, "/"),
            vec!["/e".to_string()]
        );
    }
}
