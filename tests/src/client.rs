//! A small test client over the generated gRPC stubs: one session on one
//! server, ZooKeeper error codes as `Err(i32)`.

use std::time::Duration;

use tonic::transport::Channel;

use coordinator::api::pb::{self, zoo_lab_client::ZooLabClient};

/// ZooKeeper's error code (`pb::ErrorCode` as i32), or -4
/// (CONNECTIONLOSS) for a transport failure.
pub type Code = i32;

pub const CONNECTION_LOSS: Code = pb::ErrorCode::ConnectionLoss as i32;
pub const NO_NODE: Code = pb::ErrorCode::NoNode as i32;
pub const SESSION_EXPIRED: Code = pb::ErrorCode::SessionExpired as i32;

/// A connection to one server, with a session (or the anonymous session 0).
#[derive(Clone)]
pub struct Conn {
    pub endpoint: String,
    client: ZooLabClient<Channel>,
    pub session: i64,
    pub password: Vec<u8>,
    pub timeout_ms: i32,
    /// The largest zxid any reply carried (lastZxidSeen).
    pub last_zxid: i64,
    xid: i32,
}

fn header(h: Option<pb::ReplyHeader>) -> Result<pb::ReplyHeader, Code> {
    h.ok_or(pb::ErrorCode::MarshallingError as i32)
}

impl Conn {
    /// Connects with the anonymous session.
    pub async fn connect(endpoint: &str) -> Result<Conn, Code> {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{endpoint}"))
            .map_err(|_| pb::ErrorCode::BadArguments as i32)?
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(10))
            .connect()
            .await
            .map_err(|_| CONNECTION_LOSS)?;
        Ok(Conn {
            endpoint: endpoint.to_string(),
            client: ZooLabClient::new(channel),
            session: 0,
            password: Vec::new(),
            timeout_ms: 0,
            last_zxid: 0,
            xid: 0,
        })
    }

    /// Connects and opens a session.
    pub async fn with_session(endpoint: &str, timeout_ms: i32) -> Result<Conn, Code> {
        let mut conn = Conn::connect(endpoint).await?;
        let r = conn
            .client
            .create_session(pb::CreateSessionRequest {
                timeout_ms,
                last_zxid_seen: 0,
            })
            .await
            .map_err(|_| CONNECTION_LOSS)?
            .into_inner();
        conn.check(r.header)?;
        conn.session = r.session_id;
        conn.password = r.password;
        conn.timeout_ms = r.timeout_ms;
        Ok(conn)
    }

    /// Moves this connection's session to the server at `endpoint`.
    pub async fn resume_on(&self, endpoint: &str) -> Result<Conn, Code> {
        let mut conn = Conn::connect(endpoint).await?;
        let r = conn
            .client
            .resume_session(pb::ResumeSessionRequest {
                session_id: self.session,
                password: self.password.clone(),
                last_zxid_seen: self.last_zxid,
            })
            .await
            .map_err(|_| CONNECTION_LOSS)?
            .into_inner();
        conn.session = self.session;
        conn.password = self.password.clone();
        conn.last_zxid = self.last_zxid;
        conn.check(r.header)?;
        conn.timeout_ms = r.timeout_ms;
        Ok(conn)
    }

    fn check(&mut self, h: Option<pb::ReplyHeader>) -> Result<(), Code> {
        let h = header(h)?;
        self.last_zxid = self.last_zxid.max(h.zxid);
        if h.err == 0 { Ok(()) } else { Err(h.err) }
    }

    fn next(&mut self) -> Option<pb::RequestHeader> {
        self.xid += 1;
        Some(pb::RequestHeader {
            session_id: self.session,
            xid: self.xid,
        })
    }

    /// Creates a persistent or ephemeral node with an open ACL; returns its
    /// path.
    pub async fn create(
        &mut self,
        path: &str,
        data: &[u8],
        mode: pb::CreateMode,
    ) -> Result<String, Code> {
        let request = pb::CreateRequest {
            header: self.next(),
            path: path.to_string(),
            data: Some(data.to_vec()),
            acl: vec![pb::Acl {
                perms: 31,
                id: Some(pb::Id {
                    scheme: "world".into(),
                    id: "anyone".into(),
                }),
            }],
            mode: mode as i32,
            ttl_ms: 0,
        };
        let r = self
            .client
            .create(request)
            .await
            .map_err(|_| CONNECTION_LOSS)?
            .into_inner();
        self.check(r.header)?;
        Ok(r.path)
    }

    /// setData with any version.
    pub async fn set(&mut self, path: &str, data: &[u8]) -> Result<(), Code> {
        let request = pb::SetDataRequest {
            header: self.next(),
            path: path.to_string(),
            data: Some(data.to_vec()),
            version: -1,
        };
        let r = self
            .client
            .set_data(request)
            .await
            .map_err(|_| CONNECTION_LOSS)?
            .into_inner();
        self.check(r.header)
    }

    /// getData (with a data watch when `watch`).
    pub async fn get(&mut self, path: &str, watch: bool) -> Result<Vec<u8>, Code> {
        let request = pb::GetDataRequest {
            header: self.next(),
            path: path.to_string(),
            watch,
        };
        let r = self
            .client
            .get_data(request)
            .await
            .map_err(|_| CONNECTION_LOSS)?
            .into_inner();
        self.check(r.header)?;
        Ok(r.data.unwrap_or_default())
    }

    /// exists: Ok(true/false), with an exists watch when `watch`.
    pub async fn exists(&mut self, path: &str, watch: bool) -> Result<bool, Code> {
        let request = pb::ExistsRequest {
            header: self.next(),
            path: path.to_string(),
            watch,
        };
        let r = self
            .client
            .exists(request)
            .await
            .map_err(|_| CONNECTION_LOSS)?
            .into_inner();
        match self.check(r.header) {
            Ok(()) => Ok(true),
            Err(NO_NODE) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// sync: the next read here sees every write committed before.
    pub async fn sync(&mut self) -> Result<(), Code> {
        let request = pb::SyncRequest {
            header: self.next(),
            path: "/".into(),
        };
        let r = self
            .client
            .sync(request)
            .await
            .map_err(|_| CONNECTION_LOSS)?
            .into_inner();
        self.check(r.header)
    }

    /// A keep-alive.
    pub async fn ping(&mut self) -> Result<(), Code> {
        let request = pb::KeepAliveRequest {
            header: self.next(),
        };
        let r = self
            .client
            .keep_alive(request)
            .await
            .map_err(|_| CONNECTION_LOSS)?
            .into_inner();
        self.check(r.header)
    }

    /// Re-registers watches after a move (the client's job).
    pub async fn set_watches(&mut self, data: Vec<String>, exist: Vec<String>) -> Result<(), Code> {
        let request = pb::SetWatchesRequest {
            header: self.next(),
            relative_zxid: self.last_zxid,
            data,
            exist,
            ..Default::default()
        };
        let r = self
            .client
            .set_watches(request)
            .await
            .map_err(|_| CONNECTION_LOSS)?
            .into_inner();
        self.check(r.header)
    }

    /// Opens the session's watch stream.
    pub async fn watch_stream(&mut self) -> Result<tonic::Streaming<pb::WatchEvent>, Code> {
        let request = pb::WatchRequest {
            header: self.next(),
        };
        self.client
            .watch(request)
            .await
            .map(tonic::Response::into_inner)
            .map_err(|_| CONNECTION_LOSS)
    }

    /// Sends keep-alives every third of the session timeout until dropped.
    pub fn keep_alive(&self) -> KeepAlive {
        let mut conn = self.clone();
        let every =
            Duration::from_millis(u64::try_from(self.timeout_ms / 3).unwrap_or(100).max(20));
        KeepAlive(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let _ = conn.ping().await;
            }
        }))
    }
}

/// A background keep-alive; stops when dropped.
pub struct KeepAlive(tokio::task::JoinHandle<()>);

impl Drop for KeepAlive {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Writes `path` through whichever server of `endpoints` accepts it,
/// retrying connection losses until `timeout`: the first acknowledged
/// write after a failure.
pub async fn write_somewhere(
    endpoints: &[String],
    path: &str,
    data: &[u8],
    timeout: Duration,
) -> Result<(String, i64), Code> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut last = CONNECTION_LOSS;
    loop {
        for endpoint in endpoints {
            if let Ok(mut conn) = Conn::connect(endpoint).await {
                match conn.create(path, data, pb::CreateMode::Persistent).await {
                    Ok(_) => return Ok((endpoint.clone(), conn.last_zxid)),
                    Err(e) => last = e,
                }
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(last);
        }
        tokio::time::sleep(crate::wait::POLL).await;
    }
}
