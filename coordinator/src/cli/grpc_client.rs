//! [`GrpcClient`]: the [`ShellClient`] `zoolab cli` drives, over the Rust
//! gRPC client ([`crate::client::Client`]). Every session it opens (the
//! first, and each `connect`) forwards its events, in order, to the one
//! channel given at creation, where the front end prints them.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::client::{Client, ClientError, KeeperState as ClientState, WatchedEvent};
use crate::command::{CreateRequest, DeleteRequest, MultiOp};
use crate::error::ErrorCode;

use super::client::{ClientOp, Reply, ShellClient};
use super::memory::ClientEvent;
use super::render::{ConnState, KeeperState};

/// A zkCli handle on a zoolab cluster: no session until [`GrpcClient::open`]
/// (or a `connect`) succeeds, then the session until it is closed.
pub struct GrpcClient {
    session: Option<Arc<Client>>,
    timeout: Duration,
    events: mpsc::UnboundedSender<ClientEvent>,
    forwarder: Option<JoinHandle<()>>,
}

impl GrpcClient {
    /// A handle with no session yet; `timeout` is the session timeout asked
    /// of the server (zkCli's `-timeout`).
    pub fn new(timeout: Duration, events: mpsc::UnboundedSender<ClientEvent>) -> GrpcClient {
        GrpcClient {
            session: None,
            timeout,
            events,
            forwarder: None,
        }
    }

    /// Opens a session on one of `connect_string`'s servers, closing the
    /// current one first (its `Closed` event is printed before the new
    /// session's `SyncConnected`).
    pub async fn open(&mut self, connect_string: &str) -> Result<(), ClientError> {
        self.close().await;
        let client = Arc::new(Client::connect(connect_string, self.timeout).await?);
        if let Some(mut rx) = client.take_events() {
            let tx = self.events.clone();
            // The session's first event (SyncConnected) is queued already:
            // hand it over now, so it prints before anything the shell does.
            while let Ok(event) = rx.try_recv() {
                let _ = tx.send(shell_event(&event));
            }
            self.forwarder = Some(tokio::spawn(async move {
                while let Some(event) = rx.recv().await {
                    if tx.send(shell_event(&event)).is_err() {
                        break;
                    }
                }
            }));
        }
        self.session = Some(client);
        Ok(())
    }

    /// The session, if one is open (for the session id, the server…).
    pub fn session(&self) -> Option<&Client> {
        self.session.as_deref()
    }

    /// Closes the session, if any, and waits until its last event
    /// (`Closed`) has been forwarded.
    pub async fn close(&mut self) -> Option<ClientError> {
        let mut error = None;
        if let Some(client) = self.session.take() {
            error = client.close().await.err();
            // The client's event task ends with it: dropping it closes the
            // event channel once the queued events are read.
            drop(client);
        }
        if let Some(forwarder) = self.forwarder.take()
            && tokio::time::timeout(Duration::from_secs(2), forwarder)
                .await
                .is_err()
        {
            tracing::debug!("the event forwarder did not finish");
        }
        error
    }

    fn live(&self) -> Result<&Client, ErrorCode> {
        self.session.as_deref().ok_or(ErrorCode::SessionExpired)
    }
}

impl Drop for GrpcClient {
    fn drop(&mut self) {
        if let Some(forwarder) = self.forwarder.take() {
            forwarder.abort();
        }
    }
}

/// What the default watcher is handed for a client event.
fn shell_event(event: &WatchedEvent) -> ClientEvent {
    ClientEvent {
        state: match event.state {
            ClientState::SyncConnected => KeeperState::SyncConnected,
            ClientState::Disconnected => KeeperState::Disconnected,
            ClientState::Expired => KeeperState::Expired,
            ClientState::Closed => KeeperState::Closed,
            ClientState::AuthFailed => KeeperState::AuthFailed,
        },
        event_type: event.event_type,
        path: (!event.path.is_empty()).then(|| event.path.clone()),
    }
}

/// `ZooKeeper.States` for the client's state: moving to another server is
/// CONNECTING, as in Java's client.
fn conn_state(state: ClientState) -> ConnState {
    match state {
        ClientState::SyncConnected => ConnState::Connected,
        ClientState::Disconnected => ConnState::Connecting,
        ClientState::Expired | ClientState::Closed => ConnState::Closed,
        ClientState::AuthFailed => ConnState::AuthFailed,
    }
}

fn code(e: ClientError) -> ErrorCode {
    e.code()
}

#[async_trait]
impl ShellClient for GrpcClient {
    fn state(&self) -> ConnState {
        self.session
            .as_deref()
            .map_or(ConnState::Closed, |c| conn_state(c.state()))
    }

    async fn call(&mut self, op: ClientOp) -> Result<Reply, ErrorCode> {
        match op {
            ClientOp::Connect { host } => {
                return self.open(&host).await.map(|()| Reply::Done).map_err(code);
            }
            ClientOp::Close => {
                return match self.close().await {
                    None => Ok(Reply::Done),
                    Some(e) => Err(e.code()),
                };
            }
            _ => {}
        }
        let client = self.live()?;
        let reply = match op {
            ClientOp::Create {
                path,
                data,
                acl,
                mode,
                ttl,
            } => {
                let mut request = CreateRequest::new(path, data, mode).with_acl(acl);
                if let Some(ttl) = ttl {
                    request = request.with_ttl(ttl);
                }
                let (path, _) = client.create_with(request).await.map_err(code)?;
                Reply::Created { path }
            }
            ClientOp::GetData { path, watch } => {
                let (data, stat) = client.get_data(&path, watch).await.map_err(code)?;
                Reply::Data { data, stat }
            }
            ClientOp::SetData {
                path,
                data,
                version,
            } => Reply::Stat(client.set_data(&path, &data, version).await.map_err(code)?),
            ClientOp::Exists { path, watch } => match client.exists(&path, watch).await {
                Ok(Some(stat)) => Reply::Stat(stat),
                Ok(None) => return Err(ErrorCode::NoNode),
                Err(e) => return Err(e.code()),
            },
            ClientOp::Delete { path, version } => {
                client.delete(&path, version).await.map_err(code)?;
                Reply::Done
            }
            ClientOp::GetChildren { path, watch } => {
                let (names, stat) = client.get_children2(&path, watch).await.map_err(code)?;
                Reply::Children { names, stat }
            }
            ClientOp::DeleteBatch { paths } => {
                let ops = paths
                    .into_iter()
                    .map(|path| MultiOp::Delete(DeleteRequest { path, version: -1 }))
                    .collect();
                let outcome = client.multi(ops).await.map_err(code)?;
                if let Some((_, error)) = outcome.first_error() {
                    return Err(error);
                }
                Reply::Done
            }
            ClientOp::Sync { path } => {
                client.sync(&path).await.map_err(code)?;
                Reply::Done
            }
            ClientOp::AddWatch { path, mode } => {
                client.add_watch(&path, mode).await.map_err(code)?;
                Reply::Done
            }
            ClientOp::RemoveWatches {
                path,
                watcher_type,
                local,
            } => match client.remove_watches(&path, watcher_type).await {
                Ok(()) => Reply::Done,
                // `-l`: removed here even when no server answers.
                Err(ClientError::ConnectionLoss(_)) if local => Reply::Done,
                Err(e) => return Err(e.code()),
            },
            ClientOp::GetEphemerals { prefix } => {
                Reply::Paths(client.get_ephemerals(&prefix).await.map_err(code)?)
            }
            ClientOp::GetAllChildrenNumber { path } => {
                Reply::Count(client.get_all_children_number(&path).await.map_err(code)?)
            }
            ClientOp::AddAuth { scheme, auth } => {
                client.add_auth(&scheme, &auth).await.map_err(code)?;
                Reply::Done
            }
            ClientOp::GetAcl { path } => {
                let (acl, stat) = client.get_acl(&path).await.map_err(code)?;
                Reply::Acl { acl, stat }
            }
            ClientOp::SetAcl { path, acl, version } => {
                Reply::Stat(client.set_acl(&path, acl, version).await.map_err(code)?)
            }
            ClientOp::Connect { .. } | ClientOp::Close => Reply::Done,
        };
        Ok(reply)
    }
}
