//! The data records shared by requests and replies: Stat, Id, ACL, and the
//! headers, connect records and notification that frame everything else.

use crate::acl::{Acl, Id};
use crate::stat::Stat;

use super::jute::{JuteError, Reader, Writer};

/// `RequestHeader { int xid; int type; }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestHeader {
    pub xid: i32,
    pub op: i32,
}

impl RequestHeader {
    pub fn read(r: &mut Reader<'_>) -> Result<RequestHeader, JuteError> {
        Ok(RequestHeader {
            xid: r.int()?,
            op: r.int()?,
        })
    }

    pub fn write(&self, w: &mut Writer) {
        w.int(self.xid).int(self.op);
    }
}

/// `ReplyHeader { int xid; long zxid; int err; }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyHeader {
    pub xid: i32,
    pub zxid: i64,
    pub err: i32,
}

impl ReplyHeader {
    pub fn read(r: &mut Reader<'_>) -> Result<ReplyHeader, JuteError> {
        Ok(ReplyHeader {
            xid: r.int()?,
            zxid: r.long()?,
            err: r.int()?,
        })
    }

    pub fn write(&self, w: &mut Writer) {
        w.int(self.xid).long(self.zxid).int(self.err);
    }
}

pub fn read_stat(r: &mut Reader<'_>) -> Result<Stat, JuteError> {
    Ok(Stat {
        czxid: r.long()?,
        mzxid: r.long()?,
        ctime: r.long()?,
        mtime: r.long()?,
        version: r.int()?,
        cversion: r.int()?,
        aversion: r.int()?,
        ephemeral_owner: r.long()?,
        data_length: r.int()?,
        num_children: r.int()?,
        pzxid: r.long()?,
    })
}

pub fn write_stat(w: &mut Writer, s: &Stat) {
    w.long(s.czxid)
        .long(s.mzxid)
        .long(s.ctime)
        .long(s.mtime)
        .int(s.version)
        .int(s.cversion)
        .int(s.aversion)
        .long(s.ephemeral_owner)
        .int(s.data_length)
        .int(s.num_children)
        .long(s.pzxid);
}

/// An `Id`; kazoo writes an empty string as null, so null reads as "".
pub fn read_id(r: &mut Reader<'_>) -> Result<Id, JuteError> {
    Ok(Id {
        scheme: r.ustring()?.unwrap_or_default(),
        id: r.ustring()?.unwrap_or_default(),
    })
}

pub fn write_id(w: &mut Writer, id: &Id) {
    w.string(&id.scheme).string(&id.id);
}

pub fn read_acl(r: &mut Reader<'_>) -> Result<Acl, JuteError> {
    Ok(Acl {
        perms: r.int()?,
        id: read_id(r)?,
    })
}

/// `vector<ACL>`; a null list reads as empty (both are INVALIDACL where an
/// ACL is required).
pub fn read_acls(r: &mut Reader<'_>) -> Result<Vec<Acl>, JuteError> {
    Ok(r.vector(read_acl)?.unwrap_or_default())
}

pub fn write_acls(w: &mut Writer, acls: &[Acl]) {
    w.vector(Some(acls), |w, a| {
        w.int(a.perms);
        write_id(w, &a.id);
    });
}

/// `ConnectRequest` plus the hand-appended readOnly byte, present only
/// when the client sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectRequest {
    pub protocol_version: i32,
    pub last_zxid_seen: i64,
    pub timeout_ms: i32,
    pub session_id: i64,
    pub password: Option<Vec<u8>>,
    pub read_only: Option<bool>,
}

impl ConnectRequest {
    pub fn decode(bytes: &[u8]) -> Result<ConnectRequest, JuteError> {
        let mut r = Reader::new(bytes);
        let mut request = ConnectRequest {
            protocol_version: r.int()?,
            last_zxid_seen: r.long()?,
            timeout_ms: r.int()?,
            session_id: r.long()?,
            password: r.buffer()?,
            read_only: None,
        };
        if r.remaining() > 0 {
            request.read_only = Some(r.bool()?);
        }
        r.finish()?;
        Ok(request)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.int(self.protocol_version)
            .long(self.last_zxid_seen)
            .int(self.timeout_ms)
            .long(self.session_id)
            .buffer(self.password.as_deref());
        if let Some(ro) = self.read_only {
            w.bool(ro);
        }
        w.into_bytes()
    }
}

/// `ConnectResponse`, with the readOnly byte only for clients that sent
/// one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectResponse {
    pub protocol_version: i32,
    pub timeout_ms: i32,
    pub session_id: i64,
    pub password: Vec<u8>,
    pub read_only: Option<bool>,
}

impl ConnectResponse {
    /// What an expired, unknown or wrong-password session gets.
    pub fn expired(read_only: Option<bool>) -> ConnectResponse {
        ConnectResponse {
            protocol_version: 0,
            timeout_ms: 0,
            session_id: 0,
            password: vec![0; 16],
            read_only: read_only.map(|_| false),
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<ConnectResponse, JuteError> {
        let mut r = Reader::new(bytes);
        let mut response = ConnectResponse {
            protocol_version: r.int()?,
            timeout_ms: r.int()?,
            session_id: r.long()?,
            password: r.buffer()?.unwrap_or_default(),
            read_only: None,
        };
        if r.remaining() > 0 {
            response.read_only = Some(r.bool()?);
        }
        r.finish()?;
        Ok(response)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.int(self.protocol_version)
            .int(self.timeout_ms)
            .long(self.session_id)
            .buffer(Some(&self.password));
        if let Some(ro) = self.read_only {
            w.bool(ro);
        }
        w.into_bytes()
    }
}

/// `WatcherEvent { int type; int state; ustring path; }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatcherEvent {
    pub event_type: i32,
    pub state: i32,
    pub path: String,
}

/// `KeeperState.SyncConnected`: every server-sent notification's state.
pub const SYNC_CONNECTED: i32 = 3;

impl WatcherEvent {
    pub fn read(r: &mut Reader<'_>) -> Result<WatcherEvent, JuteError> {
        Ok(WatcherEvent {
            event_type: r.int()?,
            state: r.int()?,
            path: r.ustring()?.unwrap_or_default(),
        })
    }

    pub fn write(&self, w: &mut Writer) {
        w.int(self.event_type).int(self.state).string(&self.path);
    }
}
