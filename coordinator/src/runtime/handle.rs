//! [`NodeHandle`]: the request core every front end (gRPC, ZooKeeper's
//! wire protocol) calls. Cloneable and cheap; every call is a message to
//! the node's task, so requests, reads and commits are ordered by it.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use protocols::{NodeId, Role, Zxid};

use crate::acl::Id;
use crate::command::{CheckRequest, Command, Op};
use crate::error::ErrorCode;
use crate::event::SessionId;
use crate::replica::Replica;
use crate::result::OpResult;
use crate::stat::Stat;
use crate::watch::{AddWatchMode, SetWatches, WatchedEvent, WatcherType};

use super::error::RequestError;
use super::storage::StorageError;

/// What a node reports about itself (`zoolab status`, the gRPC `Status`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    pub id: NodeId,
    /// The protocol's `--protocol` name.
    pub protocol: &'static str,
    pub role: Role,
    pub leader: Option<NodeId>,
    pub epoch: u32,
    /// The last zxid applied to this server's tree.
    pub last_zxid: Zxid,
    /// Every voting member, this one included.
    pub members: Vec<NodeId>,
    /// Snapshots received from peers and installed (catch-ups past the
    /// leader's compacted log).
    pub snapshots_installed: u64,
    /// False once the node's task has stopped.
    pub running: bool,
    /// Peer-link and commit counters. Refreshed every turn of the node's
    /// loop, but a change of these alone wakes no [`NodeHandle::status_watch`]
    /// watcher: read them with [`NodeHandle::status`].
    pub traffic: super::traffic::Traffic,
    /// The server this one takes for session keeper.
    pub keeper: Option<NodeId>,
}

impl NodeStatus {
    /// `zkServer.sh status`'s mode: standalone for a one-server ensemble.
    pub fn mode(&self) -> &'static str {
        match self.role {
            _ if self.members.len() == 1 => "standalone",
            Role::Leader => "leader",
            Role::Follower => "follower",
            Role::Looking => "looking",
            Role::Peer => "peer",
        }
    }
}

pub(crate) type Reply = oneshot::Sender<Result<OpResult, RequestError>>;
pub(crate) type ReadFn = Box<dyn FnOnce(&mut Replica) + Send>;

pub(crate) enum Request {
    Submit {
        command: Command,
        reply: Reply,
    },
    /// A read; with a session, queued behind that session's earlier writes.
    Read(Option<SessionId>, ReadFn),
    Touch(SessionId),
    Subscribe {
        session: SessionId,
        events: mpsc::UnboundedSender<WatchedEvent>,
    },
    Disconnect(SessionId),
    Shutdown,
}

/// How many requests may queue for the node's task before callers wait.
pub(crate) const REQUEST_QUEUE: usize = 4096;

/// A handle on a running node.
#[derive(Clone)]
pub struct NodeHandle {
    pub(crate) requests: mpsc::Sender<Request>,
    pub(crate) status: watch::Receiver<NodeStatus>,
}

impl NodeHandle {
    /// Proposes a write and resolves once it is committed *and applied on
    /// this server*, so the caller's next read here sees it. The runtime
    /// sets the command's origin, tag and time; the caller sets the
    /// session, xid, auth and op.
    pub async fn submit(&self, command: Command) -> Result<OpResult, RequestError> {
        let (reply, rx) = oneshot::channel();
        self.send(Request::Submit { command, reply }).await?;
        rx.await.map_err(|_| RequestError::Shutdown)?
    }

    /// Runs `f` on this server's replica, in order with the commits: any
    /// read of the `Replica` API, watch registration included. Not ordered
    /// behind any session's writes: see [`NodeHandle::read_as`].
    pub async fn read<R, F>(&self, f: F) -> Result<R, RequestError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Replica) -> R + Send + 'static,
    {
        self.read_in(None, f).await
    }

    /// Like [`NodeHandle::read`], for `session`: runs after every write the
    /// session submitted here before it is applied, and before any later
    /// one (ZooKeeper's FIFO client order). Session 0 is not ordered.
    pub async fn read_as<R, F>(&self, session: SessionId, f: F) -> Result<R, RequestError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Replica) -> R + Send + 'static,
    {
        self.read_in(Some(session), f).await
    }

    async fn read_in<R, F>(&self, session: Option<SessionId>, f: F) -> Result<R, RequestError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Replica) -> R + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let read: ReadFn = Box::new(move |replica| {
            let _ = tx.send(f(replica));
        });
        self.send(Request::Read(session, read)).await?;
        rx.await.map_err(|_| RequestError::Shutdown)
    }

    /// getData, served locally; `watch` arms a data watch for `session`.
    pub async fn get_data(
        &self,
        session: SessionId,
        path: &str,
        watch: bool,
        auth: Vec<Id>,
    ) -> Result<(Option<Vec<u8>>, Stat), RequestError> {
        let path = path.to_owned();
        self.read_as(session, move |r| {
            r.get_data(session, &path, watch, &auth)
                .map(|(d, s)| (d.map(<[u8]>::to_vec), s))
        })
        .await?
        .map_err(RequestError::Op)
    }

    /// exists, served locally; `watch` arms a data watch even on NoNode.
    pub async fn exists(
        &self,
        session: SessionId,
        path: &str,
        watch: bool,
    ) -> Result<Stat, RequestError> {
        let path = path.to_owned();
        self.read_as(session, move |r| r.exists(session, &path, watch))
            .await?
            .map_err(RequestError::Op)
    }

    /// getChildren2, served locally.
    pub async fn get_children(
        &self,
        session: SessionId,
        path: &str,
        watch: bool,
        auth: Vec<Id>,
    ) -> Result<(Vec<String>, Stat), RequestError> {
        let path = path.to_owned();
        self.read_as(session, move |r| {
            r.get_children(session, &path, watch, &auth)
        })
        .await?
        .map_err(RequestError::Op)
    }

    /// ZooKeeper's sync: commits a command that changes nothing (a check of
    /// `/`) and returns once it is applied here, so the next read on this
    /// server sees every write committed before the call. Returns the zxid
    /// this server has applied.
    pub async fn sync(&self) -> Result<Zxid, RequestError> {
        #[cfg(feature = "fault-injection")]
        if super::fault::stale_sync() {
            return self.read(|r| r.last_zxid()).await;
        }
        let op = Op::Check(CheckRequest {
            path: "/".into(),
            version: -1,
        });
        self.submit(Command::new(op)).await?;
        self.read(|r| r.last_zxid()).await
    }

    /// Opens a session (password from this process's randomness). Returns
    /// `(id, negotiated timeout, password)`.
    pub async fn create_session(
        &self,
        timeout_ms: i32,
    ) -> Result<(SessionId, i32, [u8; 16]), RequestError> {
        let op = Op::CreateSession {
            timeout_ms,
            password: random_password(),
        };
        match self.submit(Command::new(op)).await? {
            OpResult::SessionCreated {
                session,
                timeout_ms,
                password,
            } => Ok((session, timeout_ms, password)),
            other => unreachable!("createSession answered {other:?}"),
        }
    }

    /// Closes a session (its ephemerals go).
    pub async fn close_session(&self, session: SessionId) -> Result<(), RequestError> {
        self.submit(Command::new(Op::CloseSession).with_session(session))
            .await
            .map(|_| ())
    }

    /// A client reconnecting to this server with `session` and `password`:
    /// Ok (and a keep-alive) if the session is live here with that
    /// password, else SessionExpired (ZooKeeper answers both cases alike).
    /// A front end that must refuse a server behind the client's last
    /// seen zxid compares it with [`NodeStatus::last_zxid`] (or `sync`s).
    pub async fn resume_session(
        &self,
        session: SessionId,
        password: [u8; 16],
    ) -> Result<(), RequestError> {
        let valid = self
            .read(move |r| r.tree().session_valid(session, &password))
            .await?;
        if !valid {
            return Err(RequestError::Op(ErrorCode::SessionExpired));
        }
        self.touch(session).await
    }

    /// addWatch (persistent or persistent-recursive) for `session` here.
    pub async fn add_watch(
        &self,
        session: SessionId,
        path: &str,
        mode: AddWatchMode,
    ) -> Result<(), RequestError> {
        let path = path.to_owned();
        self.read_as(session, move |r| r.add_watch(session, &path, mode))
            .await?
            .map_err(RequestError::Op)
    }

    /// removeWatches: NoWatcher if there was none of that type.
    pub async fn remove_watches(
        &self,
        session: SessionId,
        path: &str,
        watcher_type: WatcherType,
    ) -> Result<(), RequestError> {
        let path = path.to_owned();
        self.read_as(session, move |r| {
            r.remove_watches(session, &path, watcher_type)
        })
        .await?
        .map_err(RequestError::Op)
    }

    /// setWatches after a client moved here: arms its watches and returns
    /// the events it missed, which the front end sends before its reply.
    pub async fn set_watches(
        &self,
        session: SessionId,
        request: SetWatches,
    ) -> Result<Vec<WatchedEvent>, RequestError> {
        self.read_as(session, move |r| r.set_watches(session, &request))
            .await
    }

    /// A keep-alive from a client of this server (its requests count too).
    pub async fn touch(&self, session: SessionId) -> Result<(), RequestError> {
        self.send(Request::Touch(session)).await
    }

    /// The watch notifications of `session` on this server, from now on, in
    /// commit order. The stream ends when the session closes or expires,
    /// or when a snapshot from a peer dropped every watch (re-register with
    /// setWatches on a new subscription). One subscriber per session: a new
    /// one replaces the old. A commit's events are queued on this stream
    /// before its reply is sent, so a front end that drains the stream
    /// before writing a reply keeps ZooKeeper's order (event, then the
    /// result that caused it).
    pub async fn subscribe(
        &self,
        session: SessionId,
    ) -> Result<mpsc::UnboundedReceiver<WatchedEvent>, RequestError> {
        let (events, rx) = mpsc::unbounded_channel();
        self.send(Request::Subscribe { session, events }).await?;
        Ok(rx)
    }

    /// The session's connection to this server went away: its watches and
    /// its subscription go (the session itself lives on until it expires).
    pub async fn disconnect(&self, session: SessionId) -> Result<(), RequestError> {
        self.send(Request::Disconnect(session)).await
    }

    /// The node's status now.
    /// True once the node's task has ended (shut down, killed, or failed):
    /// front ends answer "unavailable" rather than queue requests nobody reads.
    pub fn is_stopped(&self) -> bool {
        self.requests.is_closed() || !self.status().running
    }

    pub fn status(&self) -> NodeStatus {
        self.status.borrow().clone()
    }

    /// A receiver that sees every status change (for waiting on one).
    pub fn status_watch(&self) -> watch::Receiver<NodeStatus> {
        self.status.clone()
    }

    /// Asks the node to stop after the batch in progress.
    pub async fn shutdown(&self) {
        let _ = self.requests.send(Request::Shutdown).await;
    }

    async fn send(&self, request: Request) -> Result<(), RequestError> {
        self.requests
            .send(request)
            .await
            .map_err(|_| RequestError::Shutdown)
    }
}

/// A started node: its handle and its task.
pub struct Node {
    pub handle: NodeHandle,
    pub(crate) task: JoinHandle<Result<(), StorageError>>,
}

impl Node {
    /// Stops the task at once, as a crash would (nothing more is persisted;
    /// what was fsynced stays).
    pub fn kill(self) {
        self.task.abort();
    }

    /// Stops the node and waits for its task; a storage failure that stopped
    /// it earlier is returned.
    pub async fn stop(self) -> Result<(), StorageError> {
        self.handle.shutdown().await;
        match self.task.await {
            Ok(result) => result,
            Err(e) => Err(StorageError(format!("node task failed: {e}"))),
        }
    }
}

fn random_password() -> [u8; 16] {
    // RandomState is seeded from the OS once per process and per instance.
    let mut out = [0u8; 16];
    for half in out.chunks_mut(8) {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(0x5eed);
        half.copy_from_slice(&h.finish().to_le_bytes());
    }
    out
}
