//! Conversions between the generated gRPC types ([`pb`]) and the state
//! machine's: Stat, ACLs, create modes, error codes, event types, zxids, and
//! write requests into [`Op`]s / [`Command`]s.
//!
//! Enum values that ZooKeeper defines keep ZooKeeper's numbers on the wire
//! (error codes, create modes, AddWatchMode, WatcherType, event types), so a
//! request's raw `i32` field can go straight to the coordinator's
//! `from_code`/`from_flag`. The one exception is EventType NONE: ZooKeeper's
//! -1 is 0 here, because proto3 enums must start at zero.

use protocols::{Role, Zxid};

use crate::acl::{Acl, Id};
use crate::command::{
    CheckRequest, Command, CreateMode, CreateRequest, DeleteRequest, MultiOp, Op, SetAclRequest,
    SetDataRequest,
};
use crate::error::ErrorCode;
use crate::event::{EventType, SessionId};
use crate::stat::Stat;

use super::pb;

/// zxids are unsigned in Rust and `long` (int64) on ZooKeeper's wire; the
/// bits are the same.
pub fn zxid_to_pb(zxid: Zxid) -> i64 {
    zxid.0 as i64
}

pub fn zxid_from_pb(zxid: i64) -> Zxid {
    Zxid(zxid as u64)
}

impl From<Stat> for pb::Stat {
    fn from(s: Stat) -> pb::Stat {
        pb::Stat {
            czxid: s.czxid,
            mzxid: s.mzxid,
            ctime: s.ctime,
            mtime: s.mtime,
            version: s.version,
            cversion: s.cversion,
            aversion: s.aversion,
            ephemeral_owner: s.ephemeral_owner,
            data_length: s.data_length,
            num_children: s.num_children,
            pzxid: s.pzxid,
        }
    }
}

impl From<pb::Stat> for Stat {
    fn from(s: pb::Stat) -> Stat {
        Stat {
            czxid: s.czxid,
            mzxid: s.mzxid,
            ctime: s.ctime,
            mtime: s.mtime,
            version: s.version,
            cversion: s.cversion,
            aversion: s.aversion,
            ephemeral_owner: s.ephemeral_owner,
            data_length: s.data_length,
            num_children: s.num_children,
            pzxid: s.pzxid,
        }
    }
}

impl From<Id> for pb::Id {
    fn from(id: Id) -> pb::Id {
        pb::Id {
            scheme: id.scheme,
            id: id.id,
        }
    }
}

impl From<pb::Id> for Id {
    fn from(id: pb::Id) -> Id {
        Id::new(id.scheme, id.id)
    }
}

impl From<Acl> for pb::Acl {
    fn from(acl: Acl) -> pb::Acl {
        pb::Acl {
            perms: acl.perms,
            id: Some(acl.id.into()),
        }
    }
}

/// An entry without an id becomes the empty identity, which ACL
/// validation refuses with InvalidAcl, as ZooKeeper refuses a null id.
impl From<pb::Acl> for Acl {
    fn from(acl: pb::Acl) -> Acl {
        Acl::new(
            acl.perms,
            acl.id.map(Id::from).unwrap_or_else(|| Id::new("", "")),
        )
    }
}

pub fn acls_to_pb(acl: Vec<Acl>) -> Vec<pb::Acl> {
    acl.into_iter().map(pb::Acl::from).collect()
}

pub fn acls_from_pb(acl: Vec<pb::Acl>) -> Vec<Acl> {
    acl.into_iter().map(Acl::from).collect()
}

impl From<CreateMode> for pb::CreateMode {
    fn from(mode: CreateMode) -> pb::CreateMode {
        match mode {
            CreateMode::Persistent => pb::CreateMode::Persistent,
            CreateMode::Ephemeral => pb::CreateMode::Ephemeral,
            CreateMode::PersistentSequential => pb::CreateMode::PersistentSequential,
            CreateMode::EphemeralSequential => pb::CreateMode::EphemeralSequential,
            CreateMode::Container => pb::CreateMode::Container,
            CreateMode::PersistentWithTtl => pb::CreateMode::PersistentWithTtl,
            CreateMode::PersistentSequentialWithTtl => pb::CreateMode::PersistentSequentialWithTtl,
        }
    }
}

/// The wire's create mode (a ZooKeeper flag); unknown values are
/// BadArguments, as `CreateMode.fromFlag` says.
pub fn create_mode_from_pb(mode: i32) -> Result<CreateMode, ErrorCode> {
    CreateMode::from_flag(mode)
}

impl From<ErrorCode> for pb::ErrorCode {
    fn from(code: ErrorCode) -> pb::ErrorCode {
        // Both enums list exactly ZooKeeper's codes (a test checks it).
        pb::ErrorCode::try_from(code.code()).unwrap_or(pb::ErrorCode::SystemError)
    }
}

/// A reply's `err`: `Ok(())` for 0, the code otherwise. A code this build
/// does not know (a newer server) is reported as SystemError.
pub fn result_from_err(err: i32) -> Result<(), ErrorCode> {
    match ErrorCode::from_code(err) {
        Some(ErrorCode::Ok) => Ok(()),
        Some(code) => Err(code),
        None => Err(ErrorCode::SystemError),
    }
}

impl From<EventType> for pb::EventType {
    fn from(event: EventType) -> pb::EventType {
        match event {
            EventType::None => pb::EventType::None,
            EventType::NodeCreated => pb::EventType::NodeCreated,
            EventType::NodeDeleted => pb::EventType::NodeDeleted,
            EventType::NodeDataChanged => pb::EventType::NodeDataChanged,
            EventType::NodeChildrenChanged => pb::EventType::NodeChildrenChanged,
            EventType::DataWatchRemoved => pb::EventType::DataWatchRemoved,
            EventType::ChildWatchRemoved => pb::EventType::ChildWatchRemoved,
            EventType::PersistentWatchRemoved => pb::EventType::PersistentWatchRemoved,
        }
    }
}

impl From<pb::EventType> for EventType {
    fn from(event: pb::EventType) -> EventType {
        match event {
            pb::EventType::None => EventType::None,
            pb::EventType::NodeCreated => EventType::NodeCreated,
            pb::EventType::NodeDeleted => EventType::NodeDeleted,
            pb::EventType::NodeDataChanged => EventType::NodeDataChanged,
            pb::EventType::NodeChildrenChanged => EventType::NodeChildrenChanged,
            pb::EventType::DataWatchRemoved => EventType::DataWatchRemoved,
            pb::EventType::ChildWatchRemoved => EventType::ChildWatchRemoved,
            pb::EventType::PersistentWatchRemoved => EventType::PersistentWatchRemoved,
        }
    }
}

/// A node event for the Watch stream (state SyncConnected).
pub fn watch_event(event: EventType, path: impl Into<String>, zxid: Zxid) -> pb::WatchEvent {
    pb::WatchEvent {
        r#type: pb::EventType::from(event).into(),
        state: pb::KeeperState::SyncConnected.into(),
        path: path.into(),
        zxid: zxid_to_pb(zxid),
    }
}

/// The last event of a stream whose session ended (Expired or Closed).
pub fn session_event(state: pb::KeeperState, zxid: Zxid) -> pb::WatchEvent {
    pb::WatchEvent {
        r#type: pb::EventType::None.into(),
        state: state.into(),
        path: String::new(),
        zxid: zxid_to_pb(zxid),
    }
}

/// What `Status` reports: standalone when the ensemble has one server,
/// else the protocol's role.
pub fn mode(role: Role, standalone: bool) -> pb::Mode {
    match role {
        _ if standalone => pb::Mode::Standalone,
        Role::Looking => pb::Mode::Looking,
        Role::Follower => pb::Mode::Follower,
        Role::Leader => pb::Mode::Leader,
        Role::Peer => pb::Mode::Peer,
    }
}

/// The word `zkServer.sh status` prints after `Mode: `.
pub fn mode_name(mode: pb::Mode) -> &'static str {
    match mode {
        pb::Mode::Looking => "looking",
        pb::Mode::Standalone => "standalone",
        pb::Mode::Leader => "leader",
        pb::Mode::Follower => "follower",
        pb::Mode::Peer => "peer",
    }
}

/// A session password as sent by the client: exactly 16 bytes, else the
/// resume fails as a wrong password would (AuthFailed).
pub fn password_from_pb(password: &[u8]) -> Result<[u8; 16], ErrorCode> {
    password.try_into().map_err(|_| ErrorCode::AuthFailed)
}

/// Why a server must refuse a session from a client that has seen more than
/// it has applied, or `None` if it may serve it.
pub fn behind(server_last: Zxid, client_seen: i64) -> Option<String> {
    let seen = zxid_from_pb(client_seen);
    (seen > server_last).then(|| {
        format!(
            "this server has applied up to zxid {server_last}, behind the {seen} the client has seen: try another server"
        )
    })
}

/// Every request that names its session in a [`pb::RequestHeader`].
pub trait SessionRequest {
    fn request_header(&self) -> Option<&pb::RequestHeader>;

    /// `(session, xid)` from the header (0, 0 when absent: the anonymous
    /// session).
    fn session_and_xid(&self) -> (SessionId, i32) {
        self.request_header()
            .map_or((0, 0), |h| (h.session_id, h.xid))
    }
}

macro_rules! session_requests {
    ($($ty:ident),* $(,)?) => {
        $(impl SessionRequest for pb::$ty {
            fn request_header(&self) -> Option<&pb::RequestHeader> {
                self.header.as_ref()
            }
        })*
    };
}

session_requests!(
    KeepAliveRequest,
    AddAuthRequest,
    CloseSessionRequest,
    CreateRequest,
    DeleteRequest,
    SetDataRequest,
    SetAclRequest,
    CheckRequest,
    MultiRequest,
    SyncRequest,
    GetDataRequest,
    ExistsRequest,
    GetChildrenRequest,
    GetAllChildrenNumberRequest,
    GetEphemeralsRequest,
    GetAclRequest,
    AddWatchRequest,
    RemoveWatchesRequest,
    SetWatchesRequest,
    WatchRequest,
);

/// A write request of the API: the [`Op`] it asks for. The runtime turns
/// it into a [`Command`] and proposes it.
pub trait WriteRequest: SessionRequest {
    /// The op; malformed requests are BadArguments.
    fn into_op(self) -> Result<Op, ErrorCode>;

    /// A command with the request's session, xid and op; the front end
    /// adds the requester's identities (`Command::with_auth`, from its
    /// [`crate::auth::AuthInfo`]), the runtime origin, tag and time.
    fn into_command(self) -> Result<Command, ErrorCode>
    where
        Self: Sized,
    {
        let (session, xid) = self.session_and_xid();
        let mut command = Command::new(self.into_op()?).with_session(session);
        command.xid = xid;
        Ok(command)
    }
}

fn create_request(r: pb::CreateRequest) -> CreateRequest {
    CreateRequest {
        path: r.path,
        data: r.data,
        acl: acls_from_pb(r.acl),
        // The flag is checked at apply time (CreateMode::from_flag), where
        // an unknown one is BadArguments on every replica alike.
        flags: r.mode,
        ttl: if CreateMode::from_flag(r.mode).is_ok_and(CreateMode::is_ttl) {
            r.ttl_ms
        } else {
            -1
        },
    }
}

fn delete_request(r: pb::DeleteRequest) -> DeleteRequest {
    DeleteRequest {
        path: r.path,
        version: r.version,
    }
}

fn set_data_request(r: pb::SetDataRequest) -> SetDataRequest {
    SetDataRequest {
        path: r.path,
        data: r.data,
        version: r.version,
    }
}

fn check_request(r: pb::CheckRequest) -> CheckRequest {
    CheckRequest {
        path: r.path,
        version: r.version,
    }
}

macro_rules! write_request {
    ($ty:ty, |$r:ident| $op:expr) => {
        impl WriteRequest for $ty {
            fn into_op(self) -> Result<Op, ErrorCode> {
                let $r = self;
                $op
            }
        }
    };
}

write_request!(pb::CreateRequest, |r| Ok(Op::Create(create_request(r))));
write_request!(pb::DeleteRequest, |r| Ok(Op::Delete(delete_request(r))));
write_request!(pb::SetDataRequest, |r| Ok(Op::SetData(set_data_request(r))));
write_request!(pb::CheckRequest, |r| Ok(Op::Check(check_request(r))));
write_request!(pb::SetAclRequest, |r| Ok(Op::SetAcl(SetAclRequest {
    path: r.path,
    acl: acls_from_pb(r.acl),
    version: r.version,
})));
write_request!(pb::MultiRequest, |r| r
    .ops
    .into_iter()
    .map(multi_op)
    .collect::<Result<Vec<_>, _>>()
    .map(Op::Multi));
write_request!(pb::CloseSessionRequest, |_r| Ok(Op::CloseSession));

/// One op of a multi; a `MultiOp` with no op set is BadArguments.
pub fn multi_op(op: pb::MultiOp) -> Result<MultiOp, ErrorCode> {
    use pb::multi_op::Op as P;
    Ok(match op.op.ok_or(ErrorCode::BadArguments)? {
        P::Create(r) => MultiOp::Create(create_request(r)),
        P::Delete(r) => MultiOp::Delete(delete_request(r)),
        P::SetData(r) => MultiOp::SetData(set_data_request(r)),
        P::Check(r) => MultiOp::Check(check_request(r)),
    })
}

/// createSession's op: the timeout as requested (the tree clamps it at
/// apply time) and the password the server generated.
pub fn create_session_op(request: &pb::CreateSessionRequest, password: [u8; 16]) -> Op {
    Op::CreateSession {
        timeout_ms: request.timeout_ms,
        password,
    }
}
