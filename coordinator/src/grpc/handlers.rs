//! The `ZooLab` trait, call by call: each one translates its request,
//! goes through the service's gates and the request core, and builds its
//! reply with `api::reply`.

use tonic::{Request, Response, Status};

use protocols::Zxid;

use crate::api::SessionRequest;
use crate::api::convert::{password_from_pb, zxid_from_pb};
use crate::api::pb;
use crate::api::pb::zoo_lab_server::ZooLab;
use crate::api::reply::{
    Reply, all_children_number_reply, ephemerals_reply, exists_reply, get_acl_reply,
    get_children_reply, get_data_reply, status_reply,
};
use crate::error::ErrorCode;
use crate::path;
use crate::runtime::RequestError;
use crate::watch::{AddWatchMode, SetWatches, WatcherType};

use super::service::{Refusal, ZooLabService, expired};
use super::watch_stream::WatchStream;

type Answer<T> = Result<Response<T>, Status>;

/// The anonymous session may not own watches (the proto says so).
fn no_anonymous_watch(session: i64, watch: bool) -> Result<(), ErrorCode> {
    if session == 0 && watch {
        Err(ErrorCode::BadArguments)
    } else {
        Ok(())
    }
}

#[tonic::async_trait]
impl ZooLab for ZooLabService {
    async fn create_session(
        &self,
        request: Request<pb::CreateSessionRequest>,
    ) -> Answer<pb::CreateSessionResponse> {
        let r = request.into_inner();
        if let Err(refusal) = self.check_not_behind(r.last_zxid_seen).await {
            return self.answer(refusal.reply(0, self.zxid()));
        }
        self.prune_sessions().await;
        let created = self.handle().create_session(r.timeout_ms).await;
        let zxid = self.applied_zxid().await;
        self.answer(match created {
            Ok((session, timeout_ms, password)) => {
                self.inner.sessions.attach(session, zxid);
                let mut reply = pb::CreateSessionResponse::status(0, zxid, Ok(()));
                reply.session_id = session;
                reply.timeout_ms = timeout_ms;
                reply.password = password.to_vec();
                reply
            }
            Err(e) => Refusal::from(e).reply(0, zxid),
        })
    }

    async fn resume_session(
        &self,
        request: Request<pb::ResumeSessionRequest>,
    ) -> Answer<pb::ResumeSessionResponse> {
        let r = request.into_inner();
        let session = r.session_id;
        let Ok(password) = password_from_pb(&r.password) else {
            let refusal = Refusal::new(ErrorCode::AuthFailed, "a session password is 16 bytes");
            return self.answer(refusal.reply(0, self.zxid()));
        };
        let looked_up = self
            .handle()
            .read(move |rep| {
                let tree = rep.tree();
                let timeout = tree.session(session).map(|s| s.timeout_ms);
                (
                    rep.last_zxid(),
                    timeout,
                    tree.session_valid(session, &password),
                )
            })
            .await;
        let (zxid, timeout, valid) = match looked_up {
            Ok(v) => v,
            Err(e) => return self.answer(Refusal::from(e).reply(0, self.zxid())),
        };
        // Behind first: a session created after what this server applied
        // is not here yet, and is not expired either.
        if let Some(message) = crate::api::convert::behind(zxid, r.last_zxid_seen) {
            let refusal = Refusal::new(ErrorCode::ConnectionLoss, message);
            return self.answer(refusal.reply(0, zxid));
        }
        self.answer(match (timeout, valid) {
            (None, _) => expired(session).reply(0, zxid),
            (Some(_), false) => {
                Refusal::new(ErrorCode::AuthFailed, "wrong password for the session").reply(0, zxid)
            }
            (Some(timeout_ms), true) => {
                self.inner.sessions.attach(session, zxid);
                let _ = self.handle().touch(session).await;
                let mut reply = pb::ResumeSessionResponse::status(0, zxid, Ok(()));
                reply.timeout_ms = timeout_ms;
                reply
            }
        })
    }

    async fn keep_alive(
        &self,
        request: Request<pb::KeepAliveRequest>,
    ) -> Answer<pb::KeepAliveResponse> {
        let r = request.into_inner();
        self.answer(
            self.read_reply(&r, |_| Ok(()), pb::KeepAliveResponse::status)
                .await,
        )
    }

    async fn close_session(
        &self,
        request: Request<pb::CloseSessionRequest>,
    ) -> Answer<pb::CloseSessionResponse> {
        let r = request.into_inner();
        let (session, xid) = r.session_and_xid();
        self.inner.sessions.mark_closed(session);
        let reply: pb::CloseSessionResponse = self.write(r).await;
        let gone = reply
            .header
            .as_ref()
            .is_some_and(|h| h.err == 0 || h.err == ErrorCode::SessionExpired.code());
        if !gone {
            return self.answer(reply);
        }
        // Closing a session that is already gone succeeds. The attachment
        // stays (marked closed) until the Watch stream has said CLOSED; the
        // stream, or the next prune, drops it.
        let _ = self.handle().disconnect(session).await;
        self.answer(pb::CloseSessionResponse::status(xid, self.zxid(), Ok(())))
    }

    async fn add_auth(&self, request: Request<pb::AddAuthRequest>) -> Answer<pb::AddAuthResponse> {
        let peer = request.remote_addr();
        self.answer(self.add_auth_reply(peer, request.into_inner()).await)
    }

    async fn create(&self, request: Request<pb::CreateRequest>) -> Answer<pb::CreateResponse> {
        self.answer(self.write(self.authed(request)).await)
    }

    async fn delete(&self, request: Request<pb::DeleteRequest>) -> Answer<pb::DeleteResponse> {
        self.answer(self.write(self.authed(request)).await)
    }

    async fn set_data(&self, request: Request<pb::SetDataRequest>) -> Answer<pb::SetDataResponse> {
        self.answer(self.write(self.authed(request)).await)
    }

    async fn get_data(&self, request: Request<pb::GetDataRequest>) -> Answer<pb::GetDataResponse> {
        let peer = request.remote_addr();
        let r = request.into_inner();
        let (session, _) = r.session_and_xid();
        let (p, watch) = (r.path.clone(), r.watch);
        let auth = self.identities(session, peer);
        self.answer(
            self.read_reply(
                &r,
                move |rep| {
                    no_anonymous_watch(session, watch)?;
                    rep.get_data(session, &p, watch, &auth)
                        .map(|(d, s)| (d.map(<[u8]>::to_vec), s))
                },
                |xid, zxid, result| {
                    let result = result.as_ref().map(|(d, s)| (d.as_deref(), *s));
                    get_data_reply(xid, zxid, result.map_err(|e| *e))
                },
            )
            .await,
        )
    }

    async fn exists(&self, request: Request<pb::ExistsRequest>) -> Answer<pb::ExistsResponse> {
        let r = request.into_inner();
        let (session, _) = r.session_and_xid();
        let (p, watch) = (r.path.clone(), r.watch);
        self.answer(
            self.read_reply(
                &r,
                move |rep| {
                    no_anonymous_watch(session, watch)?;
                    rep.exists(session, &p, watch)
                },
                exists_reply,
            )
            .await,
        )
    }

    async fn get_children(
        &self,
        request: Request<pb::GetChildrenRequest>,
    ) -> Answer<pb::GetChildrenResponse> {
        let peer = request.remote_addr();
        let r = request.into_inner();
        let (session, _) = r.session_and_xid();
        let (p, watch) = (r.path.clone(), r.watch);
        let auth = self.identities(session, peer);
        self.answer(
            self.read_reply(
                &r,
                move |rep| {
                    no_anonymous_watch(session, watch)?;
                    rep.get_children(session, &p, watch, &auth)
                },
                get_children_reply,
            )
            .await,
        )
    }

    async fn get_all_children_number(
        &self,
        request: Request<pb::GetAllChildrenNumberRequest>,
    ) -> Answer<pb::GetAllChildrenNumberResponse> {
        let peer = request.remote_addr();
        let r = request.into_inner();
        let p = r.path.clone();
        let auth = self.identities(r.session_and_xid().0, peer);
        self.answer(
            self.read_reply(
                &r,
                move |rep| rep.tree().get_all_children_number_as(&p, &auth),
                all_children_number_reply,
            )
            .await,
        )
    }

    async fn get_ephemerals(
        &self,
        request: Request<pb::GetEphemeralsRequest>,
    ) -> Answer<pb::GetEphemeralsResponse> {
        let r = request.into_inner();
        let (session, _) = r.session_and_xid();
        let prefix = r.prefix.clone();
        self.answer(
            self.read_reply(
                &r,
                move |rep| Ok(rep.tree().get_ephemerals(session, &prefix)),
                |xid, zxid, result| match result {
                    Ok(paths) => ephemerals_reply(xid, zxid, paths),
                    Err(code) => pb::GetEphemeralsResponse::status(xid, zxid, Err(code)),
                },
            )
            .await,
        )
    }

    async fn get_acl(&self, request: Request<pb::GetAclRequest>) -> Answer<pb::GetAclResponse> {
        let peer = request.remote_addr();
        let r = request.into_inner();
        let p = r.path.clone();
        let auth = self.identities(r.session_and_xid().0, peer);
        self.answer(
            self.read_reply(
                &r,
                move |rep| rep.tree().get_acl_as(&p, &auth),
                get_acl_reply,
            )
            .await,
        )
    }

    async fn set_acl(&self, request: Request<pb::SetAclRequest>) -> Answer<pb::SetAclResponse> {
        self.answer(self.write(self.authed(request)).await)
    }

    async fn check(&self, request: Request<pb::CheckRequest>) -> Answer<pb::CheckResponse> {
        self.answer(self.write(self.authed(request)).await)
    }

    async fn multi(&self, request: Request<pb::MultiRequest>) -> Answer<pb::MultiResponse> {
        self.answer(self.write(self.authed(request)).await)
    }

    async fn sync(&self, request: Request<pb::SyncRequest>) -> Answer<pb::SyncResponse> {
        let r = request.into_inner();
        let (session, xid) = r.session_and_xid();
        if let Err(refusal) = self.admit(session).await {
            return self.answer(refusal.reply(xid, self.zxid()));
        }
        if let Err(code) = path::validate(&r.path) {
            return self.answer(pb::SyncResponse::status(xid, self.zxid(), Err(code)));
        }
        self.answer(match self.handle().sync().await {
            Ok(zxid) => {
                let mut reply = pb::SyncResponse::status(xid, zxid, Ok(()));
                reply.path = r.path;
                reply
            }
            Err(RequestError::Op(code)) => pb::SyncResponse::status(xid, self.zxid(), Err(code)),
            Err(e) => Refusal::from(e).reply(xid, self.zxid()),
        })
    }

    async fn add_watch(
        &self,
        request: Request<pb::AddWatchRequest>,
    ) -> Answer<pb::AddWatchResponse> {
        let r = request.into_inner();
        let (session, _) = r.session_and_xid();
        let (p, mode) = (r.path.clone(), AddWatchMode::from_code(r.mode));
        self.answer(
            self.read_reply(
                &r,
                move |rep| {
                    no_anonymous_watch(session, true)?;
                    rep.add_watch(session, &p, mode.ok_or(ErrorCode::BadArguments)?)
                },
                pb::AddWatchResponse::status,
            )
            .await,
        )
    }

    async fn remove_watches(
        &self,
        request: Request<pb::RemoveWatchesRequest>,
    ) -> Answer<pb::RemoveWatchesResponse> {
        let r = request.into_inner();
        let (session, _) = r.session_and_xid();
        let (p, kind) = (r.path.clone(), WatcherType::from_code(r.watcher_type));
        self.answer(
            self.read_reply(
                &r,
                move |rep| rep.remove_watches(session, &p, kind.ok_or(ErrorCode::BadArguments)?),
                pb::RemoveWatchesResponse::status,
            )
            .await,
        )
    }

    async fn set_watches(
        &self,
        request: Request<pb::SetWatchesRequest>,
    ) -> Answer<pb::SetWatchesResponse> {
        let r = request.into_inner();
        let (session, _) = r.session_and_xid();
        let watches = SetWatches {
            relative_zxid: zxid_from_pb(r.relative_zxid),
            data: r.data.clone(),
            exist: r.exist.clone(),
            child: r.child.clone(),
            persistent: r.persistent.clone(),
            persistent_recursive: r.persistent_recursive.clone(),
        };
        let inner = self.inner.clone();
        self.answer(
            self.read_reply(
                &r,
                move |rep| {
                    no_anonymous_watch(session, true)?;
                    // Handed to the stream inside the node's task, so these
                    // events precede those of any later commit.
                    let events = rep.set_watches(session, &watches);
                    inner.sessions.deliver(session, events);
                    Ok(())
                },
                pb::SetWatchesResponse::status,
            )
            .await,
        )
    }

    type WatchStream = WatchStream;

    async fn watch(&self, request: Request<pb::WatchRequest>) -> Answer<WatchStream> {
        let r = request.into_inner();
        let (session, _) = r.session_and_xid();
        self.open_watch_stream(session).await.map(Response::new)
    }

    async fn status(&self, _request: Request<pb::StatusRequest>) -> Answer<pb::StatusResponse> {
        self.prune_sessions().await;
        let s = self.handle().status();
        let core = protocols::Status {
            role: s.role,
            leader: s.leader,
            epoch: s.epoch,
            last_committed: s.last_zxid,
        };
        let mut reply = status_reply(&self.inner.config, &core, self.inner.sessions.len());
        reply.protocol = s.protocol.to_string();
        if !s.running {
            reply = pb::StatusResponse::failed(
                0,
                Zxid(s.last_zxid.0),
                ErrorCode::ConnectionLoss,
                "the node has stopped",
            );
        }
        self.answer(reply)
    }
}
