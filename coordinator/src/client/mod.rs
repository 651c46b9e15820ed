//! The Rust client of zoolab's gRPC API: what the CLI, the tests and
//! applications use.
//!
//! ```no_run
//! # async fn demo() -> Result<(), coordinator::client::ClientError> {
//! use std::time::Duration;
//! use coordinator::CreateMode;
//! use coordinator::client::Client;
//!
//! let client = Client::connect("127.0.0.1:2281,127.0.0.1:2282", Duration::from_secs(10)).await?;
//! let mut events = client.take_events().expect("first call");
//! client.create("/app", b"v1", CreateMode::Persistent).await?;
//! let (data, stat) = client.get_data("/app", true).await?;
//! client.set_data("/app", b"v2", stat.version).await?;
//! let event = events.recv().await; // NodeDataChanged on /app
//! # let _ = (data, event);
//! client.close().await?;
//! # Ok(()) }
//! ```
//!
//! - A session is created on the first server of the connect string that
//!   answers (starting at a random one) and kept alive by a background
//!   task (a ping every third of the negotiated timeout).
//! - When the server stops answering (transport error, timeout, UNAVAILABLE,
//!   SESSIONMOVED), the client resumes the session on another server with
//!   its id, password and lastZxidSeen (the largest zxid of any reply or
//!   event) — a server behind that zxid refuses and the next is tried — and
//!   re-registers its watches there (SetWatches relative to the zxid at
//!   which its previous event stream ended, so changes in between fire at
//!   once). Reads are retried on the new server; writes fail with
//!   [`ClientError::ConnectionLoss`], as their outcome is unknown.
//! - Events (watch notifications and session state changes) arrive on one
//!   channel, [`Client::take_events`], in the order the server sent them.
//! - Dropping the client stops its tasks without closing the session
//!   (it then expires); call [`Client::close`] to end it at once.

mod auth;
mod conn;
mod error;
mod events;
mod ops;
mod tasks;

use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::api::pb;
use crate::error::ErrorCode;

pub use error::ClientError;
pub use events::{KeeperState, WatchedEvent};
pub use ops::{MultiOpOutcome, MultiOutcome};

use conn::{Conn, Shared, dial, parse_connect_string};

/// A zoolab session over gRPC, failing over between the servers of its
/// connect string. Cheap to share behind an `Arc`; every method takes
/// `&self`.
pub struct Client {
    shared: Arc<Shared>,
    events: Mutex<Option<mpsc::UnboundedReceiver<WatchedEvent>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Client {
    /// Opens a session with the requested timeout (the server clamps it
    /// into [2, 20] tickTimes) on one of `connect_string`'s servers
    /// ("host:port,host:port"), trying each in turn for up to the timeout
    /// (at least 5 s).
    pub async fn connect(
        connect_string: &str,
        session_timeout: Duration,
    ) -> Result<Client, ClientError> {
        let servers = parse_connect_string(connect_string)?;
        let timeout_ms = i32::try_from(session_timeout.as_millis()).unwrap_or(i32::MAX);
        let deadline = tokio::time::Instant::now() + session_timeout.max(Duration::from_secs(5));
        let start = random_index(servers.len());
        let mut last_error = ClientError::ConnectionLoss("no server tried".into());
        let mut round = 0usize;
        while tokio::time::Instant::now() < deadline {
            let index = (start + round) % servers.len();
            round += 1;
            match create_session(&servers[index], timeout_ms, session_timeout).await {
                Ok((rpc, session)) => {
                    let conn = Conn {
                        generation: 0,
                        index,
                        rpc,
                    };
                    return Ok(Client::start(servers, &session, conn));
                }
                Err(e @ ClientError::BadConnectString(_)) => return Err(e),
                Err(e) => last_error = e,
            }
            if round.is_multiple_of(servers.len()) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Err(last_error)
    }

    fn start(servers: Vec<String>, session: &pb::CreateSessionResponse, conn: Conn) -> Client {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::new(servers, session, conn, tx));
        if let Some(h) = &session.header {
            shared.saw_zxid(h.zxid);
        }
        let _ = shared.events.send(WatchedEvent::session(
            KeeperState::SyncConnected,
            shared.last_zxid(),
        ));
        let tasks = vec![
            tokio::spawn(tasks::keep_alive(shared.clone())),
            tokio::spawn(tasks::watch_events(shared.clone())),
        ];
        Client {
            shared,
            events: Mutex::new(Some(rx)),
            tasks,
        }
    }

    /// The channel of watch events and session state changes (the first
    /// is SyncConnected). `None` after the first call. Events queue until
    /// read.
    pub fn take_events(&self) -> Option<mpsc::UnboundedReceiver<WatchedEvent>> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// The session's id (print it in hex, as ZooKeeper does).
    pub fn session_id(&self) -> i64 {
        self.shared.session_id
    }

    /// The timeout the server granted.
    pub fn session_timeout(&self) -> Duration {
        self.shared.timeout
    }

    /// The largest zxid seen in any reply or event.
    pub fn last_zxid_seen(&self) -> i64 {
        self.shared.last_zxid()
    }

    /// The session's state now.
    pub fn state(&self) -> KeeperState {
        self.shared.state()
    }

    /// The server ("host:port") the session is attached to now.
    pub async fn server(&self) -> String {
        self.shared.server().await
    }

    /// Closes the session (its ephemerals go at once) and stops the
    /// background tasks. Closing twice, or after expiry, is not an error.
    pub async fn close(&self) -> Result<(), ClientError> {
        let result = match self.shared.check_live() {
            Ok(()) => self
                .shared
                .call(false, |mut rpc, header| async move {
                    rpc.close_session(pb::CloseSessionRequest {
                        header: Some(header),
                    })
                    .await
                })
                .await
                .map(|_| ()),
            Err(ClientError::Closed | ClientError::SessionExpired) => Ok(()),
            Err(e) => Err(e),
        };
        if result.is_ok() {
            self.shared.set_state(KeeperState::Closed);
            for task in &self.tasks {
                task.abort();
            }
        }
        result
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// `Status` of the server at `addr` ("host:port"): no session needed
/// (what `zoolab status` prints).
pub async fn server_status(addr: &str) -> Result<pb::StatusResponse, ClientError> {
    let mut rpc = dial(addr).await?;
    let reply = rpc
        .status(pb::StatusRequest {})
        .await
        .map_err(|s| ClientError::ConnectionLoss(format!("{addr}: {}", s.message())))?
        .into_inner();
    match reply.header.as_ref() {
        Some(h) if h.err != ErrorCode::Ok.code() => Err(ClientError::from_header(h)),
        _ => Ok(reply),
    }
}

async fn create_session(
    addr: &str,
    timeout_ms: i32,
    wait: Duration,
) -> Result<(conn::Rpc, pb::CreateSessionResponse), ClientError> {
    let mut rpc = dial(addr).await?;
    let request = pb::CreateSessionRequest {
        timeout_ms,
        last_zxid_seen: 0,
    };
    let reply = tokio::time::timeout(
        wait.max(Duration::from_secs(1)),
        rpc.create_session(request),
    )
    .await
    .map_err(|_| ClientError::ConnectionLoss(format!("{addr}: no answer")))?
    .map_err(|s| ClientError::ConnectionLoss(format!("{addr}: {}", s.message())))?
    .into_inner();
    match reply.header.as_ref() {
        Some(h) if h.err == ErrorCode::Ok.code() => Ok((rpc, reply)),
        Some(h) => Err(ClientError::from_header(h)),
        None => Err(ClientError::ConnectionLoss(format!(
            "{addr}: no reply header"
        ))),
    }
}

/// Where to start in the connect string: spreads clients over servers
/// (ZooKeeper shuffles its host list for the same reason).
fn random_index(n: usize) -> usize {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(0);
    (h.finish() % n.max(1) as u64) as usize
}
