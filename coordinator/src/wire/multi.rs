//! multi (14) and multiRead (22): `MultiHeader{type, done, err}` + op,
//! repeated, ended by `MultiHeader{-1, true, -1}`; replies likewise, with
//! per-op results encoded as ZooKeeper's `MultiResponse` does.

use crate::command::{CheckRequest, CreateRequest, DeleteRequest, SetDataRequest};
use crate::stat::Stat;

use super::jute::{JuteError, Reader, Writer};
use super::opcode as op;
use super::records::{read_stat, write_stat};
use super::request::{read_check, read_create, read_delete, read_set_data, write_create};

/// One op of a multi or multiRead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MultiEntry {
    Create { op: i32, request: CreateRequest },
    Delete(DeleteRequest),
    SetData(SetDataRequest),
    Check(CheckRequest),
    GetChildren { path: String },
    GetData { path: String },
}

/// A decoded `MultiOperationRecord`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiRequest {
    /// multiRead: only getChildren / getData ops.
    pub read: bool,
    pub ops: Vec<MultiEntry>,
}

fn is_read(entry: &MultiEntry) -> bool {
    matches!(
        entry,
        MultiEntry::GetChildren { .. } | MultiEntry::GetData { .. }
    )
}

/// Reads ops until the end marker. Mixing reads and writes, or an op type
/// a multi cannot hold, is a marshalling error as in ZooKeeper.
pub(super) fn read_multi(r: &mut Reader<'_>, read: bool) -> Result<MultiRequest, JuteError> {
    let mut ops = Vec::new();
    loop {
        let kind = r.int()?;
        let done = r.bool()?;
        let _err = r.int()?;
        if done {
            break;
        }
        let entry = match kind {
            op::CREATE | op::CREATE2 | op::CREATE_CONTAINER => MultiEntry::Create {
                op: kind,
                request: read_create(r, false)?,
            },
            op::CREATE_TTL => MultiEntry::Create {
                op: kind,
                request: read_create(r, true)?,
            },
            op::DELETE => MultiEntry::Delete(read_delete(r)?),
            op::SET_DATA => MultiEntry::SetData(read_set_data(r)?),
            op::CHECK => MultiEntry::Check(read_check(r)?),
            op::GET_CHILDREN => MultiEntry::GetChildren {
                path: r.string("path")?,
            },
            op::GET_DATA => MultiEntry::GetData {
                path: r.string("path")?,
            },
            value => {
                return Err(JuteError::BadValue {
                    field: "multi op type",
                    value,
                });
            }
        };
        if is_read(&entry) != read {
            return Err(JuteError::BadValue {
                field: "multi op type (reads and writes mixed)",
                value: kind,
            });
        }
        ops.push(entry);
    }
    Ok(MultiRequest { read, ops })
}

fn end_marker(w: &mut Writer) {
    w.int(op::ERROR).bool(true).int(-1);
}

pub(super) fn write_multi(w: &mut Writer, m: &MultiRequest) {
    for entry in &m.ops {
        let kind = match entry {
            MultiEntry::Create { op, .. } => *op,
            MultiEntry::Delete(_) => op::DELETE,
            MultiEntry::SetData(_) => op::SET_DATA,
            MultiEntry::Check(_) => op::CHECK,
            MultiEntry::GetChildren { .. } => op::GET_CHILDREN,
            MultiEntry::GetData { .. } => op::GET_DATA,
        };
        w.int(kind).bool(false).int(-1);
        match entry {
            MultiEntry::Create { op, request } => write_create(w, request, *op == op::CREATE_TTL),
            MultiEntry::Delete(d) => {
                w.string(&d.path).int(d.version);
            }
            MultiEntry::SetData(s) => {
                w.string(&s.path).buffer(s.data.as_deref()).int(s.version);
            }
            MultiEntry::Check(c) => {
                w.string(&c.path).int(c.version);
            }
            MultiEntry::GetChildren { path } | MultiEntry::GetData { path } => {
                w.string(path);
            }
        }
    }
    end_marker(w);
}

/// One op's result in a multi reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MultiReply {
    /// Type 1: a create (or create2) inside multi answers the path only.
    Create {
        path: String,
    },
    /// Type 15: createContainer / createTTL answer path and Stat.
    Create2 {
        path: String,
        stat: Stat,
    },
    Delete,
    Check,
    SetData(Stat),
    GetChildren(Vec<String>),
    GetData {
        data: Option<Vec<u8>>,
        stat: Stat,
    },
    /// Type -1 with `ErrorResponse{err}`; err 0 for ops rolled back before
    /// the failing one, -2 for those after it.
    Error(i32),
}

pub(super) fn write_multi_replies(w: &mut Writer, replies: &[MultiReply]) {
    for reply in replies {
        let (kind, err) = match reply {
            MultiReply::Create { .. } => (op::CREATE, 0),
            MultiReply::Create2 { .. } => (op::CREATE2, 0),
            MultiReply::Delete => (op::DELETE, 0),
            MultiReply::Check => (op::CHECK, 0),
            MultiReply::SetData(_) => (op::SET_DATA, 0),
            MultiReply::GetChildren(_) => (op::GET_CHILDREN, 0),
            MultiReply::GetData { .. } => (op::GET_DATA, 0),
            MultiReply::Error(e) => (op::ERROR, *e),
        };
        w.int(kind).bool(false).int(err);
        match reply {
            MultiReply::Create { path } => {
                w.string(path);
            }
            MultiReply::Create2 { path, stat } => {
                w.string(path);
                write_stat(w, stat);
            }
            MultiReply::Delete | MultiReply::Check => {}
            MultiReply::SetData(stat) => write_stat(w, stat),
            MultiReply::GetChildren(children) => {
                w.strings(children);
            }
            MultiReply::GetData { data, stat } => {
                w.buffer(data.as_deref());
                write_stat(w, stat);
            }
            MultiReply::Error(e) => {
                w.int(*e);
            }
        }
    }
    end_marker(w);
}

pub(super) fn read_multi_replies(r: &mut Reader<'_>) -> Result<Vec<MultiReply>, JuteError> {
    let mut out = Vec::new();
    loop {
        let kind = r.int()?;
        let done = r.bool()?;
        let _err = r.int()?;
        if done {
            return Ok(out);
        }
        out.push(match kind {
            op::CREATE => MultiReply::Create {
                path: r.string("path")?,
            },
            op::CREATE2 => MultiReply::Create2 {
                path: r.string("path")?,
                stat: read_stat(r)?,
            },
            op::DELETE => MultiReply::Delete,
            op::CHECK => MultiReply::Check,
            op::SET_DATA => MultiReply::SetData(read_stat(r)?),
            op::GET_CHILDREN => MultiReply::GetChildren(r.strings()?),
            op::GET_DATA => MultiReply::GetData {
                data: r.buffer()?,
                stat: read_stat(r)?,
            },
            op::ERROR => MultiReply::Error(r.int()?),
            value => {
                return Err(JuteError::BadValue {
                    field: "multi result type",
                    value,
                });
            }
        });
    }
}
