//! Reply bodies (what follows a `ReplyHeader` with err 0), encoded as the
//! 3.8 server encodes them and decodable for tests and the fuzz target.

use crate::acl::Acl;
use crate::stat::Stat;

use super::jute::{JuteError, Reader, Writer};
use super::multi::{MultiReply, read_multi_replies, write_multi_replies};
use super::opcode as op;
use super::records::{read_acls, read_stat, write_acls, write_stat};

/// One reply body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// No body: delete, ping, auth, closeSession, setWatches, removeWatches,
    /// checkWatches, check.
    Empty,
    /// create (1).
    Create {
        path: String,
    },
    /// create2, createContainer, createTTL.
    Create2 {
        path: String,
        stat: Stat,
    },
    /// exists, setData, setACL.
    Stat(Stat),
    GetData {
        data: Option<Vec<u8>>,
        stat: Stat,
    },
    GetAcl {
        acl: Vec<Acl>,
        stat: Stat,
    },
    GetChildren(Vec<String>),
    GetChildren2 {
        children: Vec<String>,
        stat: Stat,
    },
    Sync {
        path: String,
    },
    Multi(Vec<MultiReply>),
    /// getEphemerals: full paths.
    Paths(Vec<String>),
    AllChildrenNumber(i32),
    /// whoAmI: (scheme, user) pairs.
    WhoAmI(Vec<(String, String)>),
    /// addWatch answers `ErrorResponse{0}`: a four-byte body.
    ErrorBody(i32),
}

impl Response {
    pub fn write(&self, w: &mut Writer) {
        match self {
            Response::Empty => {}
            Response::Create { path } | Response::Sync { path } => {
                w.string(path);
            }
            Response::Create2 { path, stat } => {
                w.string(path);
                write_stat(w, stat);
            }
            Response::Stat(stat) => write_stat(w, stat),
            Response::GetData { data, stat } => {
                w.buffer(data.as_deref());
                write_stat(w, stat);
            }
            Response::GetAcl { acl, stat } => {
                write_acls(w, acl);
                write_stat(w, stat);
            }
            Response::GetChildren(children) | Response::Paths(children) => {
                w.strings(children);
            }
            Response::GetChildren2 { children, stat } => {
                w.strings(children);
                write_stat(w, stat);
            }
            Response::Multi(replies) => write_multi_replies(w, replies),
            Response::AllChildrenNumber(n) | Response::ErrorBody(n) => {
                w.int(*n);
            }
            Response::WhoAmI(ids) => w.vector(Some(ids), |w, (scheme, user)| {
                w.string(scheme).string(user);
            }),
        }
    }

    /// Decodes the success body of a reply to a request of opcode `code`.
    pub fn decode(code: i32, body: &[u8]) -> Result<Response, JuteError> {
        let mut r = Reader::new(body);
        let response = match code {
            op::CREATE => Response::Create {
                path: r.string("path")?,
            },
            op::CREATE2 | op::CREATE_CONTAINER | op::CREATE_TTL => Response::Create2 {
                path: r.string("path")?,
                stat: read_stat(&mut r)?,
            },
            op::EXISTS | op::SET_DATA | op::SET_ACL => Response::Stat(read_stat(&mut r)?),
            op::GET_DATA => Response::GetData {
                data: r.buffer()?,
                stat: read_stat(&mut r)?,
            },
            op::GET_ACL => Response::GetAcl {
                acl: read_acls(&mut r)?,
                stat: read_stat(&mut r)?,
            },
            op::GET_CHILDREN => Response::GetChildren(r.strings()?),
            op::GET_CHILDREN2 => Response::GetChildren2 {
                children: r.strings()?,
                stat: read_stat(&mut r)?,
            },
            op::SYNC => Response::Sync {
                path: r.string("path")?,
            },
            op::MULTI | op::MULTI_READ => Response::Multi(read_multi_replies(&mut r)?),
            op::GET_EPHEMERALS => Response::Paths(r.strings()?),
            op::GET_ALL_CHILDREN_NUMBER => Response::AllChildrenNumber(r.int()?),
            op::WHO_AM_I => Response::WhoAmI(
                r.vector(|r| {
                    Ok((
                        r.ustring()?.unwrap_or_default(),
                        r.ustring()?.unwrap_or_default(),
                    ))
                })?
                .unwrap_or_default(),
            ),
            op::ADD_WATCH => Response::ErrorBody(r.int()?),
            _ => Response::Empty,
        };
        r.finish()?;
        Ok(response)
    }
}
