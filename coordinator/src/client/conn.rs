//! The client's connection to one server at a time, the session it holds,
//! and failover: resuming the session on another server (id, password,
//! lastZxidSeen) when the current one stops answering.

use std::future::Future;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc, watch};
use tonic::transport::{Channel, Endpoint};

use crate::api::pb;
use crate::api::pb::zoo_lab_client::ZooLabClient;
use crate::api::reply::Reply;
use crate::error::ErrorCode;

use super::auth::{AuthLog, auth_failed};
use super::error::ClientError;
use super::events::{KeeperState, WatchRegistry, WatchedEvent};

/// The generated client over one HTTP/2 connection.
pub(crate) type Rpc = ZooLabClient<Channel>;

/// How long dialing one server may take.
const DIAL_TIMEOUT: Duration = Duration::from_secs(2);

/// Pause between two rounds over every server while none answers.
const ROUND_PAUSE: Duration = Duration::from_millis(50);

/// The server the client is attached to.
pub(crate) struct Conn {
    /// Bumped by every successful failover.
    pub(crate) generation: u64,
    /// Index into the connect string's servers.
    pub(crate) index: usize,
    pub(crate) rpc: Rpc,
}

/// What a client's tasks share.
pub(crate) struct Shared {
    pub(crate) servers: Vec<String>,
    pub(crate) session_id: i64,
    pub(crate) password: Vec<u8>,
    pub(crate) timeout: Duration,
    pub(crate) conn: Mutex<Conn>,
    /// The current connection's generation, for the watch task.
    pub(crate) generation: watch::Sender<u64>,
    pub(crate) last_zxid: AtomicI64,
    xid: AtomicI32,
    pub(crate) watches: StdMutex<WatchRegistry>,
    pub(crate) events: mpsc::UnboundedSender<WatchedEvent>,
    /// Expired or Closed once the session is over; SyncConnected or
    /// Disconnected before.
    state: StdMutex<KeeperState>,
    /// The identities added, replayed on every server the session moves to.
    pub(crate) auths: AuthLog,
}

/// Dials `addr` ("host:port").
pub(crate) async fn dial(addr: &str) -> Result<Rpc, ClientError> {
    let endpoint = Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|e| ClientError::BadConnectString(format!("{addr}: {e}")))?
        .connect_timeout(DIAL_TIMEOUT)
        .tcp_nodelay(true);
    let channel = endpoint
        .connect()
        .await
        .map_err(|e| ClientError::ConnectionLoss(format!("{addr}: {e}")))?;
    Ok(ZooLabClient::new(channel))
}

/// Splits "h1:p1,h2:p2" (an optional chroot suffix is not supported).
pub(crate) fn parse_connect_string(s: &str) -> Result<Vec<String>, ClientError> {
    let servers: Vec<String> = s
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .collect();
    if servers.is_empty() {
        return Err(ClientError::BadConnectString(format!(
            "{s:?} names no server; expected host:port[,host:port...]"
        )));
    }
    for server in &servers {
        let port = server.rsplit_once(':').map(|(_, p)| p.parse::<u16>());
        if !matches!(port, Some(Ok(_))) {
            return Err(ClientError::BadConnectString(format!(
                "{server:?} is not host:port"
            )));
        }
    }
    Ok(servers)
}

/// How resuming on one server went.
enum Resume {
    Attached(Rpc),
    /// The session is gone (or the password is wrong): stop trying.
    Expired,
    /// Unreachable, or behind what the client has seen: try another.
    TryNext,
}

impl Shared {
    pub(crate) fn new(
        servers: Vec<String>,
        session: &pb::CreateSessionResponse,
        conn: Conn,
        events: mpsc::UnboundedSender<WatchedEvent>,
    ) -> Shared {
        let timeout = Duration::from_millis(u64::try_from(session.timeout_ms).unwrap_or(0));
        let (generation, _) = watch::channel(conn.generation);
        Shared {
            servers,
            session_id: session.session_id,
            password: session.password.clone(),
            timeout,
            conn: Mutex::new(conn),
            generation,
            last_zxid: AtomicI64::new(0),
            xid: AtomicI32::new(1),
            watches: StdMutex::new(WatchRegistry::default()),
            events,
            state: StdMutex::new(KeeperState::SyncConnected),
            auths: AuthLog::default(),
        }
    }

    pub(crate) fn header(&self) -> pb::RequestHeader {
        pb::RequestHeader {
            session_id: self.session_id,
            xid: self.xid.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Keeps the largest zxid seen in any reply or event.
    pub(crate) fn saw_zxid(&self, zxid: i64) {
        self.last_zxid.fetch_max(zxid, Ordering::Relaxed);
    }

    pub(crate) fn last_zxid(&self) -> i64 {
        self.last_zxid.load(Ordering::Relaxed)
    }

    /// A request may not outlive the session's timeout: by then the session
    /// is as good as lost on that server anyway.
    pub(crate) fn request_timeout(&self) -> Duration {
        self.timeout.max(Duration::from_secs(1))
    }

    pub(crate) fn state(&self) -> KeeperState {
        *self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Moves to `state` and tells the application, once per change. The
    /// final states (Expired, Closed) are never left.
    pub(crate) fn set_state(&self, state: KeeperState) {
        let mut current = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *current == state || current.is_final() {
            return;
        }
        *current = state;
        drop(current);
        let _ = self
            .events
            .send(WatchedEvent::session(state, self.last_zxid()));
    }

    /// The error for a call made after the session ended.
    pub(crate) fn check_live(&self) -> Result<(), ClientError> {
        match self.state() {
            KeeperState::Expired => Err(ClientError::SessionExpired),
            KeeperState::Closed => Err(ClientError::Closed),
            KeeperState::AuthFailed => Err(auth_failed()),
            _ => Ok(()),
        }
    }

    pub(crate) async fn current(&self) -> (u64, Rpc) {
        let conn = self.conn.lock().await;
        (conn.generation, conn.rpc.clone())
    }

    /// The server the client is attached to now ("host:port").
    pub(crate) async fn server(&self) -> String {
        let conn = self.conn.lock().await;
        self.servers[conn.index].clone()
    }

    /// One call of the session with its reply header handled: zxid kept,
    /// errors typed. A transport failure, a timeout or SESSIONMOVED starts
    /// a failover; `idempotent` calls (reads) are then retried on the new
    /// server, writes fail with ConnectionLoss (their outcome is unknown).
    pub(crate) async fn call<T, F, Fut>(&self, idempotent: bool, f: F) -> Result<T, ClientError>
    where
        T: Reply,
        F: Fn(Rpc, pb::RequestHeader) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        self.call_within(self.request_timeout(), idempotent, f)
            .await
    }

    /// [`Shared::call`] with its own time limit per attempt.
    pub(crate) async fn call_within<T, F, Fut>(
        &self,
        limit: Duration,
        idempotent: bool,
        f: F,
    ) -> Result<T, ClientError>
    where
        T: Reply,
        F: Fn(Rpc, pb::RequestHeader) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        let mut attempts = 0;
        loop {
            self.check_live()?;
            let (generation, rpc) = self.current().await;
            let failure = match tokio::time::timeout(limit, f(rpc, self.header())).await {
                Ok(Ok(response)) => {
                    let mut reply = response.into_inner();
                    let header = reply.header_mut().clone().unwrap_or_default();
                    self.saw_zxid(header.zxid);
                    match ErrorCode::from_code(header.err) {
                        Some(ErrorCode::Ok) => return Ok(reply),
                        Some(ErrorCode::SessionMoved) => {
                            ClientError::ConnectionLoss(header.message.clone())
                        }
                        Some(ErrorCode::SessionExpired) => {
                            self.set_state(KeeperState::Expired);
                            return Err(ClientError::SessionExpired);
                        }
                        _ => return Err(ClientError::from_header(&header)),
                    }
                }
                Ok(Err(status)) => ClientError::ConnectionLoss(status.message().to_owned()),
                Err(_) => ClientError::ConnectionLoss(format!("no answer within {limit:?}")),
            };
            self.failover(generation).await?;
            attempts += 1;
            if !idempotent || attempts >= 3 {
                return Err(failure);
            }
        }
    }

    /// Moves the session off the connection of `failed` (a generation):
    /// tries every other server in turn, then the same one, for up to the
    /// session timeout. Returns at once if another task already moved it.
    pub(crate) async fn failover(&self, failed: u64) -> Result<(), ClientError> {
        let mut conn = self.conn.lock().await;
        self.check_live()?;
        if conn.generation != failed {
            return Ok(());
        }
        self.set_state(KeeperState::Disconnected);
        let deadline = tokio::time::Instant::now() + self.timeout.max(ROUND_PAUSE * 4);
        let n = self.servers.len();
        loop {
            for step in 1..=n {
                let index = (conn.index + step) % n;
                match self.resume_at(&self.servers[index]).await {
                    Resume::Attached(rpc) => {
                        conn.rpc = rpc;
                        conn.index = index;
                        conn.generation += 1;
                        self.generation.send_replace(conn.generation);
                        tracing::debug!(
                            session = self.session_id,
                            server = %self.servers[index],
                            "session resumed"
                        );
                        self.set_state(KeeperState::SyncConnected);
                        return Ok(());
                    }
                    Resume::Expired => {
                        self.set_state(KeeperState::Expired);
                        return Err(ClientError::SessionExpired);
                    }
                    Resume::TryNext => {}
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClientError::ConnectionLoss(format!(
                    "no server of {} took the session back",
                    self.servers.join(",")
                )));
            }
            tokio::time::sleep(ROUND_PAUSE).await;
        }
    }

    async fn resume_at(&self, addr: &str) -> Resume {
        let Ok(mut rpc) = dial(addr).await else {
            return Resume::TryNext;
        };
        let request = pb::ResumeSessionRequest {
            session_id: self.session_id,
            password: self.password.clone(),
            last_zxid_seen: self.last_zxid(),
        };
        let answer =
            tokio::time::timeout(self.request_timeout(), rpc.resume_session(request)).await;
        let Ok(Ok(response)) = answer else {
            return Resume::TryNext;
        };
        let header = response.into_inner().header.unwrap_or_default();
        self.saw_zxid(header.zxid);
        match ErrorCode::from_code(header.err) {
            // Identities first, before any other request there.
            Some(ErrorCode::Ok) => match self.auths.replay(self, &mut rpc).await {
                Ok(()) => Resume::Attached(rpc),
                Err(()) => Resume::TryNext,
            },
            Some(ErrorCode::SessionExpired | ErrorCode::AuthFailed) => Resume::Expired,
            _ => {
                tracing::debug!(server = addr, "resume refused: {}", header.message);
                Resume::TryNext
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_strings_list_host_port_pairs() {
        assert_eq!(
            parse_connect_string(" 127.0.0.1:2181, localhost:2182 ,").ok(),
            Some(vec![
                "127.0.0.1:2181".to_string(),
                "localhost:2182".to_string()
            ])
        );
        for bad in ["", " , ", "host", "host:port", "h:1,h:99999"] {
            assert!(
                matches!(
                    parse_connect_string(bad),
                    Err(ClientError::BadConnectString(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn reply_headers_become_typed_errors() {
        let header = |err: i32| pb::ReplyHeader {
            err,
            message: "why".into(),
            ..pb::ReplyHeader::default()
        };
        assert_eq!(
            ClientError::from_header(&header(-101)),
            ClientError::Keeper {
                code: ErrorCode::NoNode,
                message: "why".into()
            }
        );
        assert_eq!(
            ClientError::from_header(&header(-4)),
            ClientError::ConnectionLoss("why".into())
        );
        assert_eq!(
            ClientError::from_header(&header(-112)),
            ClientError::SessionExpired
        );
        assert_eq!(
            ClientError::from_header(&header(-9999)).code(),
            ErrorCode::SystemError
        );
    }
}
