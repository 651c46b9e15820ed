//! Commands: a client request plus everything that makes applying it
//! deterministic, and their encoding to the protocol's opaque bytes.
//!
//! Encoding: one format-version byte, then the [`Command`] in postcard
//! (stable, documented varint format). The same bytes go into the protocol's
//! log, so the version byte lets a later format coexist with old logs.

use std::fmt;

use serde::{Deserialize, Serialize};

use protocols::NodeId;

use crate::acl::{Acl, Id};
use crate::error::ErrorCode;
use crate::event::SessionId;

/// The version byte that prefixes every encoded command.
pub const COMMAND_FORMAT: u8 = 1;

/// One replicated command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// The requesting session; 0 for anonymous requests (allowed for
    /// everything but ephemeral creates) and for server-internal commands.
    pub session: SessionId,
    /// The client's request xid, echoed in the reply.
    pub xid: i32,
    /// The server that proposed the command and answers its client.
    pub origin: NodeId,
    /// The proposer's correlation handle (e.g. its connection id), opaque to
    /// the tree: lets the origin route the result of a command that has no
    /// session yet (createSession).
    pub tag: u64,
    /// The proposer's wall clock (ms since the epoch): ctime/mtime, TTLs.
    pub time_ms: i64,
    /// The requester's identities (`ip:…`, `digest:…`, `super:`), for ACLs:
    /// the front end's [`crate::auth::AuthInfo::ids`] when it proposed the
    /// command. Empty means world:anyone only.
    pub auth: Vec<Id>,
    pub op: Op,
}

impl Command {
    /// A command with no session, identities or correlation: handy in tests
    /// and for server-internal operations.
    pub fn new(op: Op) -> Command {
        Command {
            session: 0,
            xid: 0,
            origin: 0,
            tag: 0,
            time_ms: 0,
            auth: Vec::new(),
            op,
        }
    }

    pub fn with_session(mut self, session: SessionId) -> Command {
        self.session = session;
        self
    }

    pub fn with_time(mut self, time_ms: i64) -> Command {
        self.time_ms = time_ms;
        self
    }

    pub fn with_origin(mut self, origin: NodeId, tag: u64) -> Command {
        self.origin = origin;
        self.tag = tag;
        self
    }

    pub fn with_auth(mut self, auth: Vec<Id>) -> Command {
        self.auth = auth;
        self
    }

    /// The protocol's opaque bytes.
    pub fn encode(&self) -> Vec<u8> {
        let out = vec![COMMAND_FORMAT];
        // Serializing owned, in-memory data into a Vec cannot fail: postcard
        // only errors on writer exhaustion or unsupported serde types, and
        // every type here is plain data.
        match postcard::to_extend(self, out) {
            Ok(v) => v,
            Err(e) => unreachable!("postcard cannot fail on a Vec writer: {e}"),
        }
    }

    /// Parses bytes produced by [`Command::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Command, DecodeError> {
        let (&version, body) = bytes.split_first().ok_or(DecodeError::Empty)?;
        if version != COMMAND_FORMAT {
            return Err(DecodeError::UnknownFormat(version));
        }
        let (cmd, rest) =
            postcard::take_from_bytes(body).map_err(|e| DecodeError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(DecodeError::TrailingBytes(rest.len()));
        }
        Ok(cmd)
    }
}

/// Why bytes are not a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    Empty,
    UnknownFormat(u8),
    Malformed(String),
    TrailingBytes(usize),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => write!(f, "empty command"),
            DecodeError::UnknownFormat(v) => write!(f, "unknown command format {v}"),
            DecodeError::Malformed(e) => write!(f, "malformed command: {e}"),
            DecodeError::TrailingBytes(n) => write!(f, "{n} bytes after the command"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The operations that change the state machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// create (1), create2 (15), createContainer (19), createTTL (21).
    Create(CreateRequest),
    Delete(DeleteRequest),
    SetData(SetDataRequest),
    /// check (13); ZooKeeper only answers it inside multi, but it is well
    /// defined alone.
    Check(CheckRequest),
    SetAcl(SetAclRequest),
    /// multi (14): all or nothing.
    Multi(Vec<MultiOp>),
    /// createSession (-10). The session id is derived at apply time (see
    /// [`crate::session`]); the password is the proposer's.
    CreateSession {
        timeout_ms: i32,
        password: [u8; 16],
    },
    /// closeSession (-11) of the command's session. Idempotent.
    CloseSession,
    /// The session keeper's decision that `session` expired. Idempotent.
    ExpireSession {
        session: SessionId,
    },
    /// deleteContainer (20): remove an empty container, or an expired TTL
    /// node, if it still qualifies at apply time.
    DeleteContainer {
        path: String,
    },
}

/// The ops a multi may hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MultiOp {
    Create(CreateRequest),
    Delete(DeleteRequest),
    SetData(SetDataRequest),
    Check(CheckRequest),
}

/// `CreateRequest` / `CreateTTLRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateRequest {
    pub path: String,
    /// `None` is jute's null buffer, distinct from empty data.
    pub data: Option<Vec<u8>>,
    pub acl: Vec<Acl>,
    /// The wire's `CreateMode` flag (0..=6); others are BadArguments.
    pub flags: i32,
    /// `CreateTTLRequest.ttl`; -1 for the other create ops.
    pub ttl: i64,
}

impl CreateRequest {
    /// A create with world:anyone:cdrwa and no TTL.
    pub fn new(path: impl Into<String>, data: Option<Vec<u8>>, mode: CreateMode) -> CreateRequest {
        CreateRequest {
            path: path.into(),
            data,
            acl: Acl::open_unsafe(),
            flags: mode.flag(),
            ttl: -1,
        }
    }

    pub fn with_ttl(mut self, ttl: i64) -> CreateRequest {
        self.ttl = ttl;
        self
    }

    pub fn with_acl(mut self, acl: Vec<Acl>) -> CreateRequest {
        self.acl = acl;
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRequest {
    pub path: String,
    /// Expected dataVersion; -1 matches any.
    pub version: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetDataRequest {
    pub path: String,
    pub data: Option<Vec<u8>>,
    /// Expected dataVersion; -1 matches any.
    pub version: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRequest {
    pub path: String,
    /// Expected dataVersion; -1 matches any.
    pub version: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAclRequest {
    pub path: String,
    pub acl: Vec<Acl>,
    /// Expected aclVersion; -1 matches any.
    pub version: i32,
}

/// ZooKeeper's `CreateMode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CreateMode {
    Persistent,
    Ephemeral,
    PersistentSequential,
    EphemeralSequential,
    Container,
    PersistentWithTtl,
    PersistentSequentialWithTtl,
}

impl CreateMode {
    /// `CreateMode.fromFlag`: unknown flags are BadArguments.
    pub fn from_flag(flag: i32) -> Result<CreateMode, ErrorCode> {
        Ok(match flag {
            0 => CreateMode::Persistent,
            1 => CreateMode::Ephemeral,
            2 => CreateMode::PersistentSequential,
            3 => CreateMode::EphemeralSequential,
            4 => CreateMode::Container,
            5 => CreateMode::PersistentWithTtl,
            6 => CreateMode::PersistentSequentialWithTtl,
            _ => return Err(ErrorCode::BadArguments),
        })
    }

    pub fn flag(self) -> i32 {
        self as i32
    }

    pub fn is_ephemeral(self) -> bool {
        matches!(
            self,
            CreateMode::Ephemeral | CreateMode::EphemeralSequential
        )
    }

    pub fn is_sequential(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentSequential
                | CreateMode::EphemeralSequential
                | CreateMode::PersistentSequentialWithTtl
        )
    }

    pub fn is_ttl(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentWithTtl | CreateMode::PersistentSequentialWithTtl
        )
    }

    pub fn is_container(self) -> bool {
        self == CreateMode::Container
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip_through_bytes() {
        let cmd = Command {
            session: 0x1000a2b3c0000,
            xid: 7,
            origin: 3,
            tag: 99,
            time_ms: 1_700_000_000_000,
            auth: vec![Id::new("ip", "127.0.0.1")],
            op: Op::Multi(vec![
                MultiOp::Create(CreateRequest::new(
                    "/a",
                    None,
                    CreateMode::EphemeralSequential,
                )),
                MultiOp::SetData(SetDataRequest {
                    path: "/a".into(),
                    data: Some(vec![]),
                    version: -1,
                }),
            ]),
        };
        assert_eq!(Command::decode(&cmd.encode()), Ok(cmd));
    }

    #[test]
    fn garbage_is_a_typed_error_not_a_panic() {
        let good = Command::new(Op::CloseSession).encode();
        assert_eq!(Command::decode(&[]), Err(DecodeError::Empty));
        assert_eq!(Command::decode(&[9, 0]), Err(DecodeError::UnknownFormat(9)));
        assert!(matches!(
            Command::decode(&good[..good.len() - 1]),
            Err(DecodeError::Malformed(_))
        ));
        let mut long = good.clone();
        long.push(0);
        assert_eq!(Command::decode(&long), Err(DecodeError::TrailingBytes(1)));
        for n in 0..=255u8 {
            let _ = Command::decode(&[COMMAND_FORMAT, n, n, n, 0xff, 0xff]);
        }
    }

    #[test]
    fn create_mode_flags_match_zookeeper() {
        for f in 0..=6 {
            assert_eq!(CreateMode::from_flag(f).map(CreateMode::flag), Ok(f));
        }
        assert_eq!(CreateMode::from_flag(7), Err(ErrorCode::BadArguments));
        assert_eq!(CreateMode::from_flag(-1), Err(ErrorCode::BadArguments));
    }
}
