//! Who a gRPC request is (ZooKeeper's `authInfo`): `ip:` of the client's
//! address, then the identities AddAuth proved for its session on this
//! server (see [`crate::auth`]). Writes carry them in their command; reads
//! pass them to the replica's checks.

use std::net::SocketAddr;

use crate::acl::Id;
use crate::api::pb;
use crate::api::reply::Reply;
use crate::api::{SessionRequest, WriteRequest};
use crate::auth::{self, AuthConfig, AuthInfo};
use crate::command::{Command, Op};
use crate::error::ErrorCode;
use crate::event::SessionId;

use super::service::ZooLabService;

/// A write request and its requester's identities, which the command it
/// becomes carries to every replica.
pub(crate) struct Authed<Q> {
    request: Q,
    auth: Vec<Id>,
}

impl<Q: SessionRequest> SessionRequest for Authed<Q> {
    fn request_header(&self) -> Option<&pb::RequestHeader> {
        self.request.request_header()
    }
}

impl<Q: WriteRequest> WriteRequest for Authed<Q> {
    fn into_op(self) -> Result<Op, ErrorCode> {
        self.request.into_op()
    }

    fn into_command(self) -> Result<Command, ErrorCode> {
        Ok(self.request.into_command()?.with_auth(self.auth))
    }
}

impl ZooLabService {
    /// The identities of a request of `session` from `peer`.
    pub(crate) fn identities(&self, session: SessionId, peer: Option<SocketAddr>) -> Vec<Id> {
        let mut info = AuthInfo::for_client(peer.map(|a| a.ip()));
        if session != 0 {
            info.extend(self.inner.sessions.auth(session));
        }
        info.into_ids()
    }

    /// A write request with its requester's identities.
    pub(crate) fn authed<Q: SessionRequest>(&self, request: tonic::Request<Q>) -> Authed<Q> {
        let peer = request.remote_addr();
        let request = request.into_inner();
        let (session, _) = request.session_and_xid();
        Authed {
            auth: self.identities(session, peer),
            request,
        }
    }

    /// AddAuth: the identities join the session's on this server; a scheme
    /// that fails detaches the session from this server (ZooKeeper closes
    /// the connection) and answers AUTHFAILED.
    pub(crate) async fn add_auth_reply(
        &self,
        peer: Option<SocketAddr>,
        r: pb::AddAuthRequest,
    ) -> pb::AddAuthResponse {
        let (session, xid) = r.session_and_xid();
        if session == 0 {
            return pb::AddAuthResponse::failed(
                xid,
                self.zxid(),
                ErrorCode::BadArguments,
                "the anonymous session keeps no identities",
            );
        }
        if let Err(refusal) = self.admit(session).await {
            return refusal.reply(xid, self.zxid());
        }
        let peer = peer.map(|a| a.ip());
        match auth::authenticate(&r.scheme, &r.auth, peer, AuthConfig::from_env()) {
            Ok(ids) => {
                if self.inner.sessions.add_auth(session, ids) {
                    pb::AddAuthResponse::status(xid, self.zxid(), Ok(()))
                } else {
                    // Detached meanwhile (expired, or moved by the client).
                    super::service::expired(session).reply(xid, self.zxid())
                }
            }
            Err(e) => {
                tracing::debug!(session, "addauth failed: {e}");
                self.inner.sessions.detach(session);
                let _ = self.handle().disconnect(session).await;
                pb::AddAuthResponse::failed(xid, self.zxid(), e.code(), e.to_string())
            }
        }
    }
}
