//! One request of an open session, served through the request core:
//! translates the wire request into a core call and the result into the
//! reply ZooKeeper 3.8 sends. No semantics live here.

use protocols::Zxid;

use crate::auth::{AuthConfig, AuthInfo};
use crate::command::{Command, MultiOp, Op};
use crate::error::ErrorCode;
use crate::event::SessionId;
use crate::frontend::RequestCore;
use crate::path;
use crate::result::{MultiOpResult, MultiResult, OpResult};
use crate::runtime::RequestError;
use crate::watch::{AddWatchMode, SetWatches, WatchedEvent, WatcherType};

use super::multi::{MultiEntry, MultiReply, MultiRequest};
use super::opcode as op;
use super::request::Request;
use super::response::Response;

/// What to send for one request.
#[derive(Debug, Default)]
pub(super) struct Answer {
    pub err: i32,
    /// The zxid the answer was given at; `None` for ZooKeeper's fixed
    /// values (auth answers 0, unknown ops -1).
    pub zxid: Option<Zxid>,
    pub fixed_zxid: i64,
    pub body: Option<Response>,
    /// Events to send before the reply (setWatches' missed events).
    pub events: Vec<WatchedEvent>,
    /// Close the connection after the reply.
    pub close: bool,
}

impl Answer {
    fn ok(zxid: Zxid, body: Response) -> Answer {
        Answer {
            zxid: Some(zxid),
            body: Some(body),
            ..Answer::default()
        }
    }

    fn failed(zxid: Zxid, code: ErrorCode) -> Answer {
        Answer {
            err: code.code(),
            zxid: Some(zxid),
            // An expired session's connection is closed after the reply.
            close: code == ErrorCode::SessionExpired,
            ..Answer::default()
        }
    }

    fn of(zxid: Zxid, result: Result<Response, ErrorCode>) -> Answer {
        match result {
            Ok(body) => Answer::ok(zxid, body),
            Err(code) => Answer::failed(zxid, code),
        }
    }

    /// ZooKeeper's fixed zxids: 0 for auth, -1 for unknown ops.
    fn fixed(err: ErrorCode, zxid: i64) -> Answer {
        Answer {
            err: err.code(),
            zxid: None,
            fixed_zxid: zxid,
            ..Answer::default()
        }
    }
}

/// Why a request got no reply: the connection must close so the client
/// reconnects (to this server or another) and learns the outcome there.
#[derive(Debug)]
pub(super) struct Lost(pub RequestError);

/// The session a connection serves and who it is.
pub(super) struct Caller {
    pub session: SessionId,
    pub peer: std::net::IpAddr,
    /// `ip:<address>` and any identities proven by auth packets.
    pub auth: AuthInfo,
}

impl Caller {
    fn command(&self, xid: i32, op: Op) -> Command {
        let mut c = Command::new(op)
            .with_session(self.session)
            .with_auth(self.ids());
        c.xid = xid;
        c
    }

    fn ids(&self) -> Vec<crate::acl::Id> {
        self.auth.ids().to_vec()
    }
}

/// Serves one decoded request.
pub(super) async fn serve(
    core: &RequestCore,
    caller: &mut Caller,
    xid: i32,
    request: Request,
) -> Result<Answer, Lost> {
    let session = caller.session;
    match request {
        Request::Create { op: code, request } => {
            write(
                core,
                caller.command(xid, Op::Create(request)),
                move |r| match r {
                    OpResult::Created { path, stat } if code == op::CREATE => {
                        let _ = stat;
                        Response::Create { path }
                    }
                    OpResult::Created { path, stat } => Response::Create2 { path, stat },
                    _ => Response::Empty,
                },
            )
            .await
        }
        Request::Delete(d) => {
            write(core, caller.command(xid, Op::Delete(d)), |_| {
                Response::Empty
            })
            .await
        }
        Request::SetData(s) => write(core, caller.command(xid, Op::SetData(s)), stat_of).await,
        Request::SetAcl(s) => write(core, caller.command(xid, Op::SetAcl(s)), stat_of).await,
        Request::Check(c) => {
            write(core, caller.command(xid, Op::Check(c)), |_| Response::Empty).await
        }
        Request::Multi(m) if m.read => multi_read(core, caller, m).await,
        Request::Multi(m) => multi(core, caller, xid, m).await,
        Request::Exists { path, watch } => {
            read(core, session, move |r| {
                r.exists(session, &path, watch).map(Response::Stat)
            })
            .await
        }
        Request::GetData { path, watch } => {
            let ids = caller.ids();
            read(core, session, move |r| {
                r.get_data(session, &path, watch, &ids)
                    .map(|(d, stat)| Response::GetData {
                        data: d.map(<[u8]>::to_vec),
                        stat,
                    })
            })
            .await
        }
        Request::GetChildren { path, watch } => {
            let ids = caller.ids();
            read(core, session, move |r| {
                r.get_children(session, &path, watch, &ids)
                    .map(|(children, _)| Response::GetChildren(children))
            })
            .await
        }
        Request::GetChildren2 { path, watch } => {
            let ids = caller.ids();
            read(core, session, move |r| {
                r.get_children(session, &path, watch, &ids)
                    .map(|(children, stat)| Response::GetChildren2 { children, stat })
            })
            .await
        }
        Request::GetAcl { path } => {
            let ids = caller.ids();
            read(core, session, move |r| {
                r.tree()
                    .get_acl_as(&path, &ids)
                    .map(|(acl, stat)| Response::GetAcl { acl, stat })
            })
            .await
        }
        Request::GetAllChildrenNumber { path } => {
            let ids = caller.ids();
            read(core, session, move |r| {
                r.tree()
                    .get_all_children_number_as(&path, &ids)
                    .map(Response::AllChildrenNumber)
            })
            .await
        }
        Request::GetEphemerals { prefix } => {
            read(core, session, move |r| {
                Ok(Response::Paths(r.tree().get_ephemerals(session, &prefix)))
            })
            .await
        }
        Request::Sync { path } => {
            if let Err(code) = path::validate(&path) {
                return Ok(Answer::failed(core.applied_zxid().await, code));
            }
            let zxid = core.handle().sync().await.map_err(lost)?;
            Ok(Answer::ok(zxid, Response::Sync { path }))
        }
        Request::AddWatch { path, mode } => {
            let Some(mode) = AddWatchMode::from_code(mode) else {
                return Ok(Answer::failed(
                    core.applied_zxid().await,
                    ErrorCode::MarshallingError,
                ));
            };
            read(core, session, move |r| {
                r.add_watch(session, &path, mode)
                    .map(|()| Response::ErrorBody(0))
            })
            .await
        }
        Request::RemoveWatches { path, kind } | Request::CheckWatches { path, kind }
            if WatcherType::from_code(kind).is_none() =>
        {
            let _ = path;
            Ok(Answer::failed(
                core.applied_zxid().await,
                ErrorCode::MarshallingError,
            ))
        }
        Request::RemoveWatches { path, kind } => {
            let kind = WatcherType::from_code(kind).unwrap_or(WatcherType::Any);
            read(core, session, move |r| {
                r.remove_watches(session, &path, kind)
                    .map(|()| Response::Empty)
            })
            .await
        }
        Request::CheckWatches { path, kind } => {
            let kind = WatcherType::from_code(kind).unwrap_or(WatcherType::Any);
            read(core, session, move |r| {
                r.check_watches(session, &path, kind)
                    .map(|()| Response::Empty)
            })
            .await
        }
        Request::SetWatches { record, .. } => {
            let request = SetWatches {
                relative_zxid: Zxid(record.relative_zxid.max(0) as u64),
                data: record.data,
                exist: record.exist,
                child: record.child,
                persistent: record.persistent,
                persistent_recursive: record.persistent_recursive,
            };
            let (zxid, result) = core
                .read(session, move |r| Ok(r.set_watches(session, &request)))
                .await
                .map_err(lost)?;
            Ok(match result {
                Ok(events) => Answer {
                    events,
                    ..Answer::ok(zxid, Response::Empty)
                },
                Err(code) => Answer::failed(zxid, code),
            })
        }
        Request::WhoAmI => {
            let infos = caller
                .auth
                .client_infos()
                .into_iter()
                .map(|i| (i.auth_scheme, i.user))
                .collect();
            Ok(Answer::ok(
                core.applied_zxid().await,
                Response::WhoAmI(infos),
            ))
        }
        Request::Auth { scheme, auth, .. } => {
            let peer = Some(caller.peer);
            Ok(
                match caller
                    .auth
                    .add_auth(&scheme, &auth, peer, AuthConfig::from_env())
                {
                    Ok(_) => Answer::fixed(ErrorCode::Ok, 0),
                    // ZooKeeper closes the connection (not the session).
                    Err(e) => Answer {
                        close: true,
                        ..Answer::fixed(e.code(), 0)
                    },
                },
            )
        }
        Request::CloseSession => {
            let (zxid, result) = core.write(caller.command(xid, Op::CloseSession)).await;
            match result {
                Ok(_) | Err(RequestError::Op(_)) => Ok(Answer {
                    close: true,
                    ..Answer::ok(zxid, Response::Empty)
                }),
                Err(e) => Err(Lost(e)),
            }
        }
        Request::Ping => Ok(Answer::ok(
            core.handle().status().last_zxid,
            Response::Empty,
        )),
        Request::Unknown(_) => Ok(Answer::fixed(ErrorCode::Unimplemented, -1)),
    }
}

fn lost(e: RequestError) -> Lost {
    Lost(e)
}

fn stat_of(r: OpResult) -> Response {
    match r {
        OpResult::DataSet { stat } | OpResult::AclSet { stat } | OpResult::Created { stat, .. } => {
            Response::Stat(stat)
        }
        _ => Response::Empty,
    }
}

async fn read<F>(core: &RequestCore, session: SessionId, f: F) -> Result<Answer, Lost>
where
    F: FnOnce(&mut crate::replica::Replica) -> Result<Response, ErrorCode> + Send + 'static,
{
    let (zxid, result) = core.read(session, f).await.map_err(lost)?;
    Ok(Answer::of(zxid, result))
}

async fn write(
    core: &RequestCore,
    command: Command,
    body: impl FnOnce(OpResult) -> Response,
) -> Result<Answer, Lost> {
    let (zxid, result) = core.write(command).await;
    match result {
        Ok(r) => Ok(Answer::ok(zxid, body(r))),
        Err(RequestError::Op(code)) => Ok(Answer::failed(zxid, code)),
        Err(e) => Err(Lost(e)),
    }
}

fn multi_op(entry: MultiEntry) -> Option<MultiOp> {
    Some(match entry {
        MultiEntry::Create { request, .. } => MultiOp::Create(request),
        MultiEntry::Delete(d) => MultiOp::Delete(d),
        MultiEntry::SetData(s) => MultiOp::SetData(s),
        MultiEntry::Check(c) => MultiOp::Check(c),
        MultiEntry::GetChildren { .. } | MultiEntry::GetData { .. } => return None,
    })
}

/// multi (14): all or nothing; the reply header says 0 either way.
async fn multi(
    core: &RequestCore,
    caller: &Caller,
    xid: i32,
    m: MultiRequest,
) -> Result<Answer, Lost> {
    // A create or create2 answers type 1 inside multi (ZooKeeper rebuilds
    // them as Op.create); container and TTL creates answer type 15.
    let short: Vec<bool> = m
        .ops
        .iter()
        .map(|e| matches!(e, MultiEntry::Create { op, .. } if *op == op::CREATE || *op == op::CREATE2))
        .collect();
    let ops: Vec<MultiOp> = m.ops.into_iter().filter_map(multi_op).collect();
    write(core, caller.command(xid, Op::Multi(ops)), move |r| {
        let OpResult::Multi(result) = r else {
            return Response::Multi(Vec::new());
        };
        Response::Multi(multi_replies(&result, &short))
    })
    .await
}

fn multi_replies(result: &MultiResult, short: &[bool]) -> Vec<MultiReply> {
    match result {
        MultiResult::Committed(results) => results
            .iter()
            .zip(short.iter().chain(std::iter::repeat(&false)))
            .map(|(r, short)| match r {
                MultiOpResult::Created { path, .. } if *short => {
                    MultiReply::Create { path: path.clone() }
                }
                MultiOpResult::Created { path, stat } => MultiReply::Create2 {
                    path: path.clone(),
                    stat: *stat,
                },
                MultiOpResult::Deleted => MultiReply::Delete,
                MultiOpResult::DataSet { stat } => MultiReply::SetData(*stat),
                MultiOpResult::Checked => MultiReply::Check,
            })
            .collect(),
        aborted => aborted
            .codes()
            .into_iter()
            .map(|c| MultiReply::Error(c.code()))
            .collect(),
    }
}

/// multiRead (22): each op on its own; a failing one answers its error.
async fn multi_read(core: &RequestCore, caller: &Caller, m: MultiRequest) -> Result<Answer, Lost> {
    let session = caller.session;
    let ids = caller.ids();
    read(core, session, move |r| {
        let replies =
            m.ops
                .into_iter()
                .map(|entry| {
                    let result = match entry {
                        MultiEntry::GetChildren { path } => r
                            .get_children(session, &path, false, &ids)
                            .map(|(c, _)| MultiReply::GetChildren(c)),
                        MultiEntry::GetData { path } => r
                            .get_data(session, &path, false, &ids)
                            .map(|(d, stat)| MultiReply::GetData {
                                data: d.map(<[u8]>::to_vec),
                                stat,
                            }),
                        _ => Err(ErrorCode::MarshallingError),
                    };
                    result.unwrap_or_else(|code| MultiReply::Error(code.code()))
                })
                .collect();
        Ok(Response::Multi(replies))
    })
    .await
}
