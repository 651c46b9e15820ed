//! [`ZooLabService`]: the gRPC front end over a node's request core
//! ([`RequestCore`], shared with the ZooKeeper wire protocol). It
//! translates and holds no semantics of its own: writes go to the request
//! core (from any server; the runtime forwards them to the protocol), reads
//! are served from this server's replica, watches are this server's.

use std::sync::Arc;

use tokio::sync::{Semaphore, watch};

use protocols::Zxid;

use crate::api::convert::behind;
use crate::api::reply::Reply;
use crate::api::{SessionRequest, WriteReply, WriteRequest};
use crate::error::ErrorCode;
use crate::event::SessionId;
use crate::frontend::RequestCore;
use crate::replica::Replica;
use crate::runtime::{NodeHandle, RequestError};
use crate::server_config::ServerConfig;

use super::sessions::Sessions;

/// Why a request was refused before it reached its operation: ZooKeeper's
/// code and a sentence for `ReplyHeader.message`.
pub(crate) struct Refusal {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

impl Refusal {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn reply<R: Reply>(&self, xid: i32, zxid: Zxid) -> R {
        R::failed(xid, zxid, self.code, self.message.clone())
    }
}

impl From<RequestError> for Refusal {
    fn from(e: RequestError) -> Refusal {
        Refusal::new(e.code(), e.to_string())
    }
}

/// The gRPC service of one server. Cheap to clone.
#[derive(Clone)]
pub struct ZooLabService {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) core: RequestCore,
    pub(crate) config: ServerConfig,
    pub(crate) sessions: Sessions,
    /// Open Watch streams, at most the limit's permits.
    pub(crate) streams: Arc<Semaphore>,
    /// Turns true when the server starts its graceful shutdown: every
    /// Watch stream ends, or the shutdown would wait for them forever.
    pub(crate) stopping: watch::Receiver<bool>,
}

impl ZooLabService {
    /// A service over `handle`; `config` is what `Status` reports (cluster
    /// id, members). `max_watch_streams` bounds the open Watch streams;
    /// `stopping` turning true ends them.
    pub fn new(
        handle: NodeHandle,
        config: ServerConfig,
        max_watch_streams: usize,
        stopping: watch::Receiver<bool>,
    ) -> ZooLabService {
        ZooLabService {
            inner: Arc::new(Inner {
                core: RequestCore::new(handle),
                config,
                sessions: Sessions::default(),
                streams: Arc::new(Semaphore::new(max_watch_streams)),
                stopping,
            }),
        }
    }

    /// A reply, or UNAVAILABLE when the node behind this server has
    /// stopped: the proto's signal to try another server.
    pub(crate) fn answer<T>(&self, reply: T) -> Result<tonic::Response<T>, tonic::Status> {
        if self.node_stopped() {
            return Err(tonic::Status::unavailable(
                "this server's node has stopped: try another server",
            ));
        }
        Ok(tonic::Response::new(reply))
    }

    fn node_stopped(&self) -> bool {
        self.handle().is_stopped()
    }

    pub(crate) fn handle(&self) -> &NodeHandle {
        self.inner.core.handle()
    }

    /// The zxid this server had applied most recently (as published).
    pub(crate) fn zxid(&self) -> Zxid {
        self.handle().status().last_zxid
    }

    /// The zxid applied now, read in order with the commits: after a write
    /// it is at least the write's zxid, so the client's lastZxidSeen covers
    /// what it wrote.
    pub(crate) async fn applied_zxid(&self) -> Zxid {
        self.inner.core.applied_zxid().await
    }

    /// Drops the attachments of sessions that ended unnoticed, so the table
    /// (and `Status`'s count) does not grow with every expired session.
    pub(crate) async fn prune_sessions(&self) {
        let live = self
            .handle()
            .read(|r| {
                let live = r.tree().sessions().map(|s| s.id);
                (
                    live.collect::<std::collections::BTreeSet<_>>(),
                    r.last_zxid(),
                )
            })
            .await;
        if let Ok((live, at)) = live {
            self.inner.sessions.retain_live(&live, at);
        }
    }

    /// Lets a request of `session` through if the session is attached here
    /// (and counts it as a keep-alive). Session 0 always passes.
    pub(crate) async fn admit(&self, session: SessionId) -> Result<(), Refusal> {
        if session == 0 {
            return Ok(());
        }
        if self.inner.sessions.is_attached(session) {
            // A request counts as a keep-alive; a stopped node fails the
            // request itself a moment later.
            let _ = self.handle().touch(session).await;
            return Ok(());
        }
        let known = self
            .handle()
            .read(move |r| r.tree().session(session).is_some())
            .await?;
        Err(if known {
            Refusal::new(
                ErrorCode::SessionMoved,
                format!(
                    "session 0x{session:x} is attached to another server: resume it here first"
                ),
            )
        } else {
            expired(session)
        })
    }

    /// A read on this server's replica, for `session` (which must still
    /// exist), with the zxid it was served at.
    pub(crate) async fn read<T, F>(
        &self,
        session: SessionId,
        f: F,
    ) -> Result<(Zxid, Result<T, ErrorCode>), Refusal>
    where
        T: Send + 'static,
        F: FnOnce(&mut Replica) -> Result<T, ErrorCode> + Send + 'static,
    {
        self.admit(session).await?;
        // In the session's FIFO order: behind its earlier writes.
        let (zxid, result) = self.inner.core.read(session, f).await?;
        if result.as_ref().err() == Some(&ErrorCode::SessionExpired) {
            self.inner.sessions.detach(session);
            return Err(expired(session));
        }
        Ok((zxid, result))
    }

    /// A read answered by `build`, or the refusal in the reply's header.
    pub(crate) async fn read_reply<T, F, R>(
        &self,
        request: &impl SessionRequest,
        f: F,
        build: impl FnOnce(i32, Zxid, Result<T, ErrorCode>) -> R,
    ) -> R
    where
        T: Send + 'static,
        F: FnOnce(&mut Replica) -> Result<T, ErrorCode> + Send + 'static,
        R: Reply,
    {
        let (session, xid) = request.session_and_xid();
        match self.read(session, f).await {
            Ok((zxid, result)) => build(xid, zxid, result),
            Err(refusal) => refusal.reply(xid, self.zxid()),
        }
    }

    /// A write through the request core, answered once applied here.
    pub(crate) async fn write<Q: WriteRequest, R: WriteReply>(&self, request: Q) -> R {
        let (session, xid) = request.session_and_xid();
        if let Err(refusal) = self.admit(session).await {
            return refusal.reply(xid, self.zxid());
        }
        let command = match request.into_command() {
            Ok(c) => c,
            Err(code) => return R::status(xid, self.zxid(), Err(code)),
        };
        let (zxid, result) = self.inner.core.write(command).await;
        match result {
            Ok(ok) => R::from_apply(xid, zxid, Ok(ok)),
            Err(RequestError::Op(code)) => {
                if code == ErrorCode::SessionExpired {
                    self.inner.sessions.detach(session);
                }
                R::from_apply(xid, zxid, Err(code))
            }
            Err(e) => Refusal::from(e).reply(xid, zxid),
        }
    }

    /// Refuses a session of a client that has seen more than this server
    /// has applied.
    pub(crate) async fn check_not_behind(&self, last_zxid_seen: i64) -> Result<(), Refusal> {
        match behind(self.applied_zxid().await, last_zxid_seen) {
            Some(message) => Err(Refusal::new(ErrorCode::ConnectionLoss, message)),
            None => Ok(()),
        }
    }
}

pub(crate) fn expired(session: SessionId) -> Refusal {
    Refusal::new(
        ErrorCode::SessionExpired,
        format!("session 0x{session:x} has expired or was closed"),
    )
}
