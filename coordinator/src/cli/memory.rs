//! An in-memory [`ShellClient`]: sessions on one [`Replica`], every write
//! committed at once with the next zxid. For tests of the shell (and any
//! offline demo); the binary uses the gRPC client.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use protocols::Zxid;

use crate::command::{
    Command as TreeCommand, CreateRequest, DeleteRequest, MultiOp, Op, SetAclRequest,
    SetDataRequest,
};
use crate::error::ErrorCode;
use crate::event::{EventType, SessionId};
use crate::replica::Replica;
use crate::result::{MultiResult, OpResult};

use super::client::{ClientOp, Reply, ShellClient};
use super::render::{ConnState, KeeperState};

/// One event as the client's default watcher receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientEvent {
    pub state: KeeperState,
    pub event_type: EventType,
    pub path: Option<String>,
}

/// A one-server "cluster": the replica, the zxid counter, the clock that
/// stamps writes, and the events waiting for each session.
#[derive(Debug)]
pub struct MemoryServer {
    replica: Replica,
    epoch: u32,
    counter: u32,
    /// The proposer's clock (ms since the epoch) for the next write.
    pub now_ms: i64,
    /// Milliseconds the clock moves after each write.
    pub tick_ms: i64,
    events: BTreeMap<SessionId, Vec<ClientEvent>>,
}

/// A handle on a shared [`MemoryServer`].
pub type SharedServer = Arc<Mutex<MemoryServer>>;

impl MemoryServer {
    /// A fresh tree; writes get zxids `epoch:1`, `epoch:2`…, stamped
    /// `now_ms`, `now_ms + tick_ms`…
    pub fn shared(epoch: u32, now_ms: i64, tick_ms: i64) -> SharedServer {
        Arc::new(Mutex::new(MemoryServer {
            replica: Replica::default(),
            epoch,
            counter: 0,
            now_ms,
            tick_ms,
            events: BTreeMap::new(),
        }))
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// The zxid the last write got.
    pub fn last_zxid(&self) -> Zxid {
        Zxid::new(self.epoch, self.counter)
    }

    /// Commits `op` for `session`; returns the result and queues the
    /// notifications for their sessions.
    fn commit(&mut self, session: SessionId, op: Op) -> Result<OpResult, ErrorCode> {
        self.counter += 1;
        let zxid = Zxid::new(self.epoch, self.counter);
        let command = TreeCommand::new(op)
            .with_session(session)
            .with_time(self.now_ms)
            .with_origin(1, 0);
        self.now_ms += self.tick_ms;
        let applied = self.replica.apply(zxid, &command);
        for n in applied.notifications {
            self.push(
                n.session,
                KeeperState::SyncConnected,
                n.event_type,
                Some(n.path),
            );
        }
        applied.result
    }

    fn push(
        &mut self,
        session: SessionId,
        state: KeeperState,
        event_type: EventType,
        path: Option<String>,
    ) {
        self.events.entry(session).or_default().push(ClientEvent {
            state,
            event_type,
            path,
        });
    }
}

fn lock(server: &SharedServer) -> MutexGuard<'_, MemoryServer> {
    // A panic elsewhere while holding the lock leaves plain data behind;
    // the tests that share it still want to see it.
    server
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A session on a [`MemoryServer`], as the shell sees a client.
#[derive(Debug)]
pub struct MemoryClient {
    server: SharedServer,
    session: SessionId,
    state: ConnState,
}

impl MemoryClient {
    /// Opens a session; its `SyncConnected` event is queued, as a real
    /// client reports it.
    pub fn connect(server: &SharedServer) -> Result<MemoryClient, ErrorCode> {
        let mut s = lock(server);
        let open = Op::CreateSession {
            timeout_ms: 30_000,
            password: [0; 16],
        };
        let session = match s.commit(0, open)? {
            OpResult::SessionCreated { session, .. } => session,
            _ => return Err(ErrorCode::SystemError),
        };
        s.push(session, KeeperState::SyncConnected, EventType::None, None);
        Ok(MemoryClient {
            server: Arc::clone(server),
            session,
            state: ConnState::Connected,
        })
    }

    pub fn session(&self) -> SessionId {
        self.session
    }

    /// The events delivered to this session since the last call.
    pub fn take_events(&mut self) -> Vec<ClientEvent> {
        lock(&self.server)
            .events
            .remove(&self.session)
            .unwrap_or_default()
    }

    fn close(&mut self) -> Result<(), ErrorCode> {
        if self.state.is_alive() {
            let mut s = lock(&self.server);
            s.commit(self.session, Op::CloseSession)?;
            s.replica.disconnect(self.session);
            s.push(self.session, KeeperState::Closed, EventType::None, None);
        }
        self.state = ConnState::Closed;
        Ok(())
    }

    fn run(&mut self, op: ClientOp) -> Result<Reply, ErrorCode> {
        if !self.state.is_alive() {
            return Err(ErrorCode::SessionExpired);
        }
        let session = self.session;
        let mut s = lock(&self.server);
        match op {
            ClientOp::Create {
                path,
                data,
                acl,
                mode,
                ttl,
            } => {
                let mut req = CreateRequest::new(path, data, mode).with_acl(acl);
                if let Some(ttl) = ttl {
                    req = req.with_ttl(ttl);
                }
                match s.commit(session, Op::Create(req))? {
                    OpResult::Created { path, .. } => Ok(Reply::Created { path }),
                    _ => Err(ErrorCode::SystemError),
                }
            }
            ClientOp::GetData { path, watch } => {
                let (data, stat) = s.replica.get_data(session, &path, watch, &[])?;
                Ok(Reply::Data {
                    data: data.map(<[u8]>::to_vec),
                    stat,
                })
            }
            ClientOp::SetData {
                path,
                data,
                version,
            } => {
                let req = SetDataRequest {
                    path,
                    data: Some(data),
                    version,
                };
                match s.commit(session, Op::SetData(req))? {
                    OpResult::DataSet { stat } => Ok(Reply::Stat(stat)),
                    _ => Err(ErrorCode::SystemError),
                }
            }
            ClientOp::Exists { path, watch } => {
                Ok(Reply::Stat(s.replica.exists(session, &path, watch)?))
            }
            ClientOp::Delete { path, version } => {
                s.commit(session, Op::Delete(DeleteRequest { path, version }))?;
                Ok(Reply::Done)
            }
            ClientOp::GetChildren { path, watch } => {
                let (names, stat) = s.replica.get_children(session, &path, watch, &[])?;
                Ok(Reply::Children { names, stat })
            }
            ClientOp::DeleteBatch { paths } => {
                let ops = paths
                    .into_iter()
                    .map(|path| MultiOp::Delete(DeleteRequest { path, version: -1 }))
                    .collect();
                match s.commit(session, Op::Multi(ops))? {
                    OpResult::Multi(MultiResult::Committed(_)) => Ok(Reply::Done),
                    OpResult::Multi(MultiResult::Aborted { error, .. }) => Err(error),
                    _ => Err(ErrorCode::SystemError),
                }
            }
            ClientOp::Sync { .. } => Ok(Reply::Done),
            ClientOp::AddWatch { path, mode } => {
                s.replica.add_watch(session, &path, mode)?;
                Ok(Reply::Done)
            }
            ClientOp::RemoveWatches {
                path, watcher_type, ..
            } => {
                s.replica.remove_watches(session, &path, watcher_type)?;
                Ok(Reply::Done)
            }
            ClientOp::GetEphemerals { prefix } => Ok(Reply::Paths(
                s.replica.tree().get_ephemerals(session, &prefix),
            )),
            ClientOp::GetAllChildrenNumber { path } => Ok(Reply::Count(
                s.replica.tree().get_all_children_number(&path)?,
            )),
            // Identities live in the gRPC front end, which this replica
            // stands in for without one.
            ClientOp::AddAuth { .. } => Err(ErrorCode::Unimplemented),
            ClientOp::GetAcl { path } => {
                let node = s.replica.tree().node(&path).ok_or(ErrorCode::NoNode)?;
                Ok(Reply::Acl {
                    acl: node.acl.clone(),
                    stat: node.stat(),
                })
            }
            ClientOp::SetAcl { path, acl, version } => {
                let req = SetAclRequest { path, acl, version };
                match s.commit(session, Op::SetAcl(req))? {
                    OpResult::AclSet { stat } => Ok(Reply::Stat(stat)),
                    _ => Err(ErrorCode::SystemError),
                }
            }
            ClientOp::Connect { .. } | ClientOp::Close => Err(ErrorCode::SystemError),
        }
    }
}

#[async_trait]
impl ShellClient for MemoryClient {
    fn state(&self) -> ConnState {
        self.state
    }

    async fn call(&mut self, op: ClientOp) -> Result<Reply, ErrorCode> {
        match op {
            ClientOp::Close => self.close().map(|()| Reply::Done),
            ClientOp::Connect { .. } => {
                // One server: "connecting elsewhere" is a new session here.
                // The old handle's Closed event is still printed, before
                // the new session's SyncConnected.
                self.close()?;
                let mut closed = self.take_events();
                let fresh = MemoryClient::connect(&self.server)?;
                *self = fresh;
                let mut s = lock(&self.server);
                let queue = s.events.entry(self.session).or_default();
                closed.append(queue);
                *queue = closed;
                Ok(Reply::Done)
            }
            op => self.run(op),
        }
    }
}
