//! Building responses: every response starts with a [`pb::ReplyHeader`]
//! (xid, the server's last zxid, ZooKeeper's error code), then the
//! operation's fields on success. Writes are answered from their
//! [`ApplyResult`], reads from the tree's read methods.

use protocols::{Status, Zxid};

use crate::acl::Acl;
use crate::error::ErrorCode;
use crate::result::{ApplyResult, MultiOpResult, MultiResult, OpResult};
use crate::server_config::ServerConfig;
use crate::stat::Stat;

use super::convert::{acls_to_pb, mode, zxid_to_pb};
use super::pb;

/// The header of a reply to request `xid`, answered when this server had
/// applied up to `zxid`.
pub fn reply_header(xid: i32, zxid: Zxid, result: Result<(), ErrorCode>) -> pb::ReplyHeader {
    let (err, message) = match result {
        Ok(()) => (0, String::new()),
        Err(code) => (code.code(), code.name().to_string()),
    };
    pb::ReplyHeader {
        xid,
        zxid: zxid_to_pb(zxid),
        err,
        message,
    }
}

/// Every response type: it has a header, and a default for the rest.
pub trait Reply: Default {
    fn header_mut(&mut self) -> &mut Option<pb::ReplyHeader>;

    /// A reply carrying only an error (or only success, for replies without
    /// a body).
    fn status(xid: i32, zxid: Zxid, result: Result<(), ErrorCode>) -> Self {
        let mut reply = Self::default();
        *reply.header_mut() = Some(reply_header(xid, zxid, result));
        reply
    }

    /// An error with a sentence for people (`ReplyHeader.message`).
    fn failed(xid: i32, zxid: Zxid, code: ErrorCode, message: impl Into<String>) -> Self {
        let mut reply = Self::status(xid, zxid, Err(code));
        if let Some(h) = reply.header_mut() {
            h.message = format!("{}: {}", code.name(), message.into());
        }
        reply
    }

    /// `Ok(value)` filled in by `fill`, or the error.
    fn from_result<T>(
        xid: i32,
        zxid: Zxid,
        result: Result<T, ErrorCode>,
        fill: impl FnOnce(&mut Self, T),
    ) -> Self {
        match result {
            Ok(value) => {
                let mut reply = Self::status(xid, zxid, Ok(()));
                fill(&mut reply, value);
                reply
            }
            Err(code) => Self::status(xid, zxid, Err(code)),
        }
    }
}

macro_rules! replies {
    ($($ty:ident),* $(,)?) => {
        $(impl Reply for pb::$ty {
            fn header_mut(&mut self) -> &mut Option<pb::ReplyHeader> {
                &mut self.header
            }
        })*
    };
}

replies!(
    CreateSessionResponse,
    ResumeSessionResponse,
    KeepAliveResponse,
    AddAuthResponse,
    CloseSessionResponse,
    CreateResponse,
    DeleteResponse,
    SetDataResponse,
    SetAclResponse,
    CheckResponse,
    MultiResponse,
    SyncResponse,
    GetDataResponse,
    ExistsResponse,
    GetChildrenResponse,
    GetAllChildrenNumberResponse,
    GetEphemeralsResponse,
    GetAclResponse,
    AddWatchResponse,
    RemoveWatchesResponse,
    SetWatchesResponse,
    StatusResponse,
);

/// The reply to a write, from what applying its command returned.
pub trait WriteReply: Reply {
    /// Fills the body from a success; `Err` if the result is not this
    /// operation's (a runtime bug, answered with SystemError).
    fn fill(&mut self, result: OpResult) -> Result<(), OpResult>;

    fn from_apply(xid: i32, zxid: Zxid, result: ApplyResult) -> Self {
        let Ok(ok) = result else {
            return Self::from_result(xid, zxid, result, |_, _| {});
        };
        let mut reply = Self::status(xid, zxid, Ok(()));
        match reply.fill(ok) {
            Ok(()) => reply,
            Err(other) => Self::failed(
                xid,
                zxid,
                ErrorCode::SystemError,
                format!("unexpected result {other:?}"),
            ),
        }
    }
}

impl WriteReply for pb::CreateResponse {
    fn fill(&mut self, result: OpResult) -> Result<(), OpResult> {
        let OpResult::Created { path, stat } = result else {
            return Err(result);
        };
        self.path = path;
        self.stat = Some(stat.into());
        Ok(())
    }
}

impl WriteReply for pb::DeleteResponse {
    fn fill(&mut self, result: OpResult) -> Result<(), OpResult> {
        match result {
            OpResult::Deleted => Ok(()),
            other => Err(other),
        }
    }
}

impl WriteReply for pb::CheckResponse {
    fn fill(&mut self, result: OpResult) -> Result<(), OpResult> {
        match result {
            OpResult::Checked => Ok(()),
            other => Err(other),
        }
    }
}

impl WriteReply for pb::SetDataResponse {
    fn fill(&mut self, result: OpResult) -> Result<(), OpResult> {
        let OpResult::DataSet { stat } = result else {
            return Err(result);
        };
        self.stat = Some(stat.into());
        Ok(())
    }
}

impl WriteReply for pb::SetAclResponse {
    fn fill(&mut self, result: OpResult) -> Result<(), OpResult> {
        let OpResult::AclSet { stat } = result else {
            return Err(result);
        };
        self.stat = Some(stat.into());
        Ok(())
    }
}

impl WriteReply for pb::MultiResponse {
    fn fill(&mut self, result: OpResult) -> Result<(), OpResult> {
        let OpResult::Multi(multi) = result else {
            return Err(result);
        };
        self.committed = multi.is_committed();
        self.results = multi_results(&multi);
        Ok(())
    }
}

impl WriteReply for pb::CreateSessionResponse {
    fn fill(&mut self, result: OpResult) -> Result<(), OpResult> {
        let OpResult::SessionCreated {
            session,
            timeout_ms,
            password,
        } = result
        else {
            return Err(result);
        };
        self.session_id = session;
        self.timeout_ms = timeout_ms;
        self.password = password.to_vec();
        Ok(())
    }
}

impl WriteReply for pb::CloseSessionResponse {
    fn fill(&mut self, result: OpResult) -> Result<(), OpResult> {
        match result {
            OpResult::SessionClosed { .. } => Ok(()),
            other => Err(other),
        }
    }
}

/// A multi's per-op results, ZooKeeper's way: all 0 with bodies when it
/// committed; else 0 / the failing op's code / RuntimeInconsistency.
pub fn multi_results(multi: &MultiResult) -> Vec<pb::MultiOpResult> {
    match multi {
        MultiResult::Committed(ops) => ops
            .iter()
            .map(|op| match op {
                MultiOpResult::Created { path, stat } => pb::MultiOpResult {
                    err: 0,
                    path: path.clone(),
                    stat: Some((*stat).into()),
                },
                MultiOpResult::DataSet { stat } => pb::MultiOpResult {
                    err: 0,
                    path: String::new(),
                    stat: Some((*stat).into()),
                },
                MultiOpResult::Deleted | MultiOpResult::Checked => pb::MultiOpResult::default(),
            })
            .collect(),
        MultiResult::Aborted { .. } => multi
            .codes()
            .into_iter()
            .map(|code| pb::MultiOpResult {
                err: code.code(),
                ..pb::MultiOpResult::default()
            })
            .collect(),
    }
}

/// getData.
pub fn get_data_reply(
    xid: i32,
    zxid: Zxid,
    result: Result<(Option<&[u8]>, Stat), ErrorCode>,
) -> pb::GetDataResponse {
    pb::GetDataResponse::from_result(xid, zxid, result, |r, (data, stat)| {
        r.data = data.map(<[u8]>::to_vec);
        r.stat = Some(stat.into());
    })
}

/// exists: NoNode is an answer with no stat.
pub fn exists_reply(xid: i32, zxid: Zxid, result: Result<Stat, ErrorCode>) -> pb::ExistsResponse {
    pb::ExistsResponse::from_result(xid, zxid, result, |r, stat| r.stat = Some(stat.into()))
}

/// getChildren (with the parent's stat).
pub fn get_children_reply(
    xid: i32,
    zxid: Zxid,
    result: Result<(Vec<String>, Stat), ErrorCode>,
) -> pb::GetChildrenResponse {
    pb::GetChildrenResponse::from_result(xid, zxid, result, |r, (children, stat)| {
        r.children = children;
        r.stat = Some(stat.into());
    })
}

/// getAllChildrenNumber.
pub fn all_children_number_reply(
    xid: i32,
    zxid: Zxid,
    result: Result<i32, ErrorCode>,
) -> pb::GetAllChildrenNumberResponse {
    pb::GetAllChildrenNumberResponse::from_result(xid, zxid, result, |r, n| r.number = n)
}

/// getEphemerals.
pub fn ephemerals_reply(xid: i32, zxid: Zxid, paths: Vec<String>) -> pb::GetEphemeralsResponse {
    pb::GetEphemeralsResponse::from_result(xid, zxid, Ok(paths), |r, p| r.paths = p)
}

/// getACL.
pub fn get_acl_reply(
    xid: i32,
    zxid: Zxid,
    result: Result<(Vec<Acl>, Stat), ErrorCode>,
) -> pb::GetAclResponse {
    pb::GetAclResponse::from_result(xid, zxid, result, |r, (acl, stat)| {
        r.acl = acls_to_pb(acl);
        r.stat = Some(stat.into());
    })
}

/// Status, from the configuration, the core's status and the number of
/// sessions attached here. The header's zxid is the core's last commit.
pub fn status_reply(config: &ServerConfig, status: &Status, sessions: usize) -> pb::StatusResponse {
    let standalone = config.is_standalone();
    let mut r = pb::StatusResponse::status(0, status.last_committed, Ok(()));
    r.server_id = config.my_id as i64;
    r.mode = mode(status.role, standalone).into();
    r.leader_id = status.leader.map(|l| l as i64);
    r.protocol = config.protocol.to_string();
    r.epoch = i64::from(status.epoch);
    r.last_zxid = zxid_to_pb(status.last_committed);
    r.peers = if standalone {
        Vec::new()
    } else {
        config
            .servers
            .iter()
            .map(|(id, s)| pb::Peer {
                id: *id as i64,
                host: s.host.clone(),
                peer_port: i32::from(s.peer_port),
                election_port: i32::from(s.election_port),
            })
            .collect()
    };
    r.cluster_id = config.cluster_id.clone();
    r.sessions = i32::try_from(sessions).unwrap_or(i32::MAX);
    r
}
