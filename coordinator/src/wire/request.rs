//! Every request a 3.8 client sends, decoded from (and encoded to) the
//! body that follows its `RequestHeader`.

use crate::command::{CheckRequest, CreateRequest, DeleteRequest, SetAclRequest, SetDataRequest};

use super::jute::{JuteError, Reader, Writer};
use super::multi::{MultiRequest, read_multi, write_multi};
use super::opcode as op;
use super::records::{read_acls, write_acls};

/// `SetWatches` (101) and `SetWatches2` (105; the two persistent lists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetWatchesRecord {
    pub relative_zxid: i64,
    pub data: Vec<String>,
    pub exist: Vec<String>,
    pub child: Vec<String>,
    pub persistent: Vec<String>,
    pub persistent_recursive: Vec<String>,
}

/// One decoded request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// create (1), create2 (15), createContainer (19), createTTL (21):
    /// `op` says which (the reply's shape depends on it).
    Create {
        op: i32,
        request: CreateRequest,
    },
    Delete(DeleteRequest),
    Exists {
        path: String,
        watch: bool,
    },
    GetData {
        path: String,
        watch: bool,
    },
    SetData(SetDataRequest),
    GetAcl {
        path: String,
    },
    SetAcl(SetAclRequest),
    GetChildren {
        path: String,
        watch: bool,
    },
    GetChildren2 {
        path: String,
        watch: bool,
    },
    Sync {
        path: String,
    },
    Ping,
    Check(CheckRequest),
    /// multi (14) or multiRead (22).
    Multi(MultiRequest),
    Auth {
        kind: i32,
        scheme: String,
        auth: Vec<u8>,
    },
    /// setWatches (101) or setWatches2 (105).
    SetWatches {
        v2: bool,
        record: SetWatchesRecord,
    },
    AddWatch {
        path: String,
        mode: i32,
    },
    RemoveWatches {
        path: String,
        kind: i32,
    },
    CheckWatches {
        path: String,
        kind: i32,
    },
    GetEphemerals {
        prefix: String,
    },
    GetAllChildrenNumber {
        path: String,
    },
    WhoAmI,
    CloseSession,
    /// An opcode this server does not serve (getMaxChildren, reconfig,
    /// sasl, anything unknown): UNIMPLEMENTED.
    Unknown(i32),
}

fn path(r: &mut Reader<'_>) -> Result<String, JuteError> {
    r.string("path")
}

pub(super) fn read_create(r: &mut Reader<'_>, ttl: bool) -> Result<CreateRequest, JuteError> {
    Ok(CreateRequest {
        path: path(r)?,
        data: r.buffer()?,
        acl: read_acls(r)?,
        flags: r.int()?,
        ttl: if ttl { r.long()? } else { -1 },
    })
}

pub(super) fn write_create(w: &mut Writer, c: &CreateRequest, ttl: bool) {
    w.string(&c.path).buffer(c.data.as_deref());
    write_acls(w, &c.acl);
    w.int(c.flags);
    if ttl {
        w.long(c.ttl);
    }
}

pub(super) fn read_delete(r: &mut Reader<'_>) -> Result<DeleteRequest, JuteError> {
    Ok(DeleteRequest {
        path: path(r)?,
        version: r.int()?,
    })
}

pub(super) fn read_set_data(r: &mut Reader<'_>) -> Result<SetDataRequest, JuteError> {
    Ok(SetDataRequest {
        path: path(r)?,
        data: r.buffer()?,
        version: r.int()?,
    })
}

pub(super) fn read_check(r: &mut Reader<'_>) -> Result<CheckRequest, JuteError> {
    Ok(CheckRequest {
        path: path(r)?,
        version: r.int()?,
    })
}

fn read_set_watches(r: &mut Reader<'_>, v2: bool) -> Result<SetWatchesRecord, JuteError> {
    Ok(SetWatchesRecord {
        relative_zxid: r.long()?,
        data: r.strings()?,
        exist: r.strings()?,
        child: r.strings()?,
        persistent: if v2 { r.strings()? } else { Vec::new() },
        persistent_recursive: if v2 { r.strings()? } else { Vec::new() },
    })
}

impl Request {
    /// Decodes the body of a request of opcode `op` (the whole body: bytes
    /// left over are an error, as a truncated one is).
    pub fn decode(op: i32, body: &[u8]) -> Result<Request, JuteError> {
        let mut r = Reader::new(body);
        let request = Request::read(op, &mut r)?;
        if !matches!(request, Request::Unknown(_)) {
            r.finish()?;
        }
        Ok(request)
    }

    fn read(code: i32, r: &mut Reader<'_>) -> Result<Request, JuteError> {
        Ok(match code {
            op::CREATE | op::CREATE2 | op::CREATE_CONTAINER => Request::Create {
                op: code,
                request: read_create(r, false)?,
            },
            op::CREATE_TTL => Request::Create {
                op: code,
                request: read_create(r, true)?,
            },
            op::DELETE => Request::Delete(read_delete(r)?),
            op::EXISTS => Request::Exists {
                path: path(r)?,
                watch: r.bool()?,
            },
            op::GET_DATA => Request::GetData {
                path: path(r)?,
                watch: r.bool()?,
            },
            op::SET_DATA => Request::SetData(read_set_data(r)?),
            op::GET_ACL => Request::GetAcl { path: path(r)? },
            op::SET_ACL => Request::SetAcl(SetAclRequest {
                path: path(r)?,
                acl: read_acls(r)?,
                version: r.int()?,
            }),
            op::GET_CHILDREN => Request::GetChildren {
                path: path(r)?,
                watch: r.bool()?,
            },
            op::GET_CHILDREN2 => Request::GetChildren2 {
                path: path(r)?,
                watch: r.bool()?,
            },
            op::SYNC => Request::Sync { path: path(r)? },
            op::PING => Request::Ping,
            op::CHECK => Request::Check(read_check(r)?),
            op::MULTI | op::MULTI_READ => Request::Multi(read_multi(r, code == op::MULTI_READ)?),
            op::AUTH => Request::Auth {
                kind: r.int()?,
                scheme: r.ustring()?.unwrap_or_default(),
                auth: r.buffer()?.unwrap_or_default(),
            },
            op::SET_WATCHES | op::SET_WATCHES2 => {
                let v2 = code == op::SET_WATCHES2;
                Request::SetWatches {
                    v2,
                    record: read_set_watches(r, v2)?,
                }
            }
            op::ADD_WATCH => Request::AddWatch {
                path: path(r)?,
                mode: r.int()?,
            },
            op::REMOVE_WATCHES => Request::RemoveWatches {
                path: path(r)?,
                kind: r.int()?,
            },
            op::CHECK_WATCHES => Request::CheckWatches {
                path: path(r)?,
                kind: r.int()?,
            },
            op::GET_EPHEMERALS => Request::GetEphemerals {
                prefix: r.string("prefixPath")?,
            },
            op::GET_ALL_CHILDREN_NUMBER => Request::GetAllChildrenNumber { path: path(r)? },
            op::WHO_AM_I => Request::WhoAmI,
            op::CLOSE_SESSION => Request::CloseSession,
            other => Request::Unknown(other),
        })
    }

    /// The opcode this request travels under.
    pub fn opcode(&self) -> i32 {
        match self {
            Request::Create { op, .. } => *op,
            Request::Delete(_) => op::DELETE,
            Request::Exists { .. } => op::EXISTS,
            Request::GetData { .. } => op::GET_DATA,
            Request::SetData(_) => op::SET_DATA,
            Request::GetAcl { .. } => op::GET_ACL,
            Request::SetAcl(_) => op::SET_ACL,
            Request::GetChildren { .. } => op::GET_CHILDREN,
            Request::GetChildren2 { .. } => op::GET_CHILDREN2,
            Request::Sync { .. } => op::SYNC,
            Request::Ping => op::PING,
            Request::Check(_) => op::CHECK,
            Request::Multi(m) if m.read => op::MULTI_READ,
            Request::Multi(_) => op::MULTI,
            Request::Auth { .. } => op::AUTH,
            Request::SetWatches { v2: true, .. } => op::SET_WATCHES2,
            Request::SetWatches { v2: false, .. } => op::SET_WATCHES,
            Request::AddWatch { .. } => op::ADD_WATCH,
            Request::RemoveWatches { .. } => op::REMOVE_WATCHES,
            Request::CheckWatches { .. } => op::CHECK_WATCHES,
            Request::GetEphemerals { .. } => op::GET_EPHEMERALS,
            Request::GetAllChildrenNumber { .. } => op::GET_ALL_CHILDREN_NUMBER,
            Request::WhoAmI => op::WHO_AM_I,
            Request::CloseSession => op::CLOSE_SESSION,
            Request::Unknown(code) => *code,
        }
    }

    /// The body, as a client would send it.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            Request::Create { op, request } => write_create(&mut w, request, *op == op::CREATE_TTL),
            Request::Delete(d) => {
                w.string(&d.path).int(d.version);
            }
            Request::Exists { path, watch }
            | Request::GetData { path, watch }
            | Request::GetChildren { path, watch }
            | Request::GetChildren2 { path, watch } => {
                w.string(path).bool(*watch);
            }
            Request::SetData(s) => {
                w.string(&s.path).buffer(s.data.as_deref()).int(s.version);
            }
            Request::GetAcl { path }
            | Request::Sync { path }
            | Request::GetAllChildrenNumber { path }
            | Request::GetEphemerals { prefix: path } => {
                w.string(path);
            }
            Request::SetAcl(s) => {
                w.string(&s.path);
                write_acls(&mut w, &s.acl);
                w.int(s.version);
            }
            Request::Check(c) => {
                w.string(&c.path).int(c.version);
            }
            Request::Multi(m) => write_multi(&mut w, m),
            Request::Auth { kind, scheme, auth } => {
                w.int(*kind).string(scheme).buffer(Some(auth));
            }
            Request::SetWatches { v2, record } => {
                w.long(record.relative_zxid)
                    .strings(&record.data)
                    .strings(&record.exist)
                    .strings(&record.child);
                if *v2 {
                    w.strings(&record.persistent)
                        .strings(&record.persistent_recursive);
                }
            }
            Request::AddWatch { path, mode: n }
            | Request::RemoveWatches { path, kind: n }
            | Request::CheckWatches { path, kind: n } => {
                w.string(path).int(*n);
            }
            Request::Ping | Request::WhoAmI | Request::CloseSession | Request::Unknown(_) => {}
        }
        w.into_bytes()
    }
}
