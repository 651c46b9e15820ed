//! The load driver: how a benchmark session talks to a server. The runner
//! only sees these traits, so a ZooKeeper-wire-protocol driver (to measure
//! Apache ZooKeeper with the same client loop) plugs in beside
//! [`GrpcDriver`] without touching the runner.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use coordinator::CreateMode;
use coordinator::ErrorCode;
use coordinator::client::{Client, ClientError};

use crate::workload::{Op, key_path};

/// Why a driver could not connect or prepare.
#[derive(Debug)]
pub struct DriverError(pub String);

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DriverError {}

/// A failed request, by ZooKeeper's error name (counted per name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpError(pub String);

/// Opens sessions against one cluster.
#[async_trait]
pub trait LoadDriver: Send + Sync {
    /// A short name for reports (`grpc`, later `zk-wire`).
    fn name(&self) -> &'static str;

    /// Session number `index` (sessions are spread over the servers).
    async fn session(&self, index: usize) -> Result<Arc<dyn LoadSession>, DriverError>;
}

/// One client session; shared by the requests in flight on it.
#[async_trait]
pub trait LoadSession: Send + Sync {
    async fn execute(&self, op: &Op, value: &[u8]) -> Result<(), OpError>;

    /// Creates `/bench` and keys `0..keys` holding `value` (existing ones
    /// are overwritten).
    async fn prepare(&self, keys: usize, value: &[u8]) -> Result<(), DriverError>;

    async fn close(&self);
}

/// zoolab's gRPC API through `coordinator::client`.
pub struct GrpcDriver {
    servers: Vec<String>,
    session_timeout: Duration,
}

impl GrpcDriver {
    /// `servers`: gRPC endpoints (`host:port`).
    pub fn new(servers: Vec<String>) -> GrpcDriver {
        GrpcDriver {
            servers,
            session_timeout: Duration::from_secs(10),
        }
    }
}

#[async_trait]
impl LoadDriver for GrpcDriver {
    fn name(&self) -> &'static str {
        "grpc"
    }

    async fn session(&self, index: usize) -> Result<Arc<dyn LoadSession>, DriverError> {
        if self.servers.is_empty() {
            return Err(DriverError("no server to connect to".into()));
        }
        // Pinned to one server, as the paper's clients are: reads are
        // served where the session is.
        let server = &self.servers[index % self.servers.len()];
        let client = Client::connect(server, self.session_timeout)
            .await
            .map_err(|e| DriverError(format!("connect to {server}: {e}")))?;
        Ok(Arc::new(GrpcSession { client }))
    }
}

struct GrpcSession {
    client: Client,
}

fn op_error(e: ClientError) -> OpError {
    OpError(format!("{:?}", e.code()))
}

#[async_trait]
impl LoadSession for GrpcSession {
    async fn execute(&self, op: &Op, value: &[u8]) -> Result<(), OpError> {
        match op {
            Op::Get(path) => self
                .client
                .get_data(path, false)
                .await
                .map(|_| ())
                .map_err(op_error),
            Op::Set(path) => self
                .client
                .set_data(path, value, -1)
                .await
                .map(|_| ())
                .map_err(op_error),
            Op::CreateDelete(path) => {
                self.client
                    .create(path, value, CreateMode::Persistent)
                    .await
                    .map_err(op_error)?;
                self.client.delete(path, -1).await.map_err(op_error)
            }
        }
    }

    async fn prepare(&self, keys: usize, value: &[u8]) -> Result<(), DriverError> {
        let fail = |what: &str, e: ClientError| DriverError(format!("{what}: {e}"));
        match self
            .client
            .create("/bench", b"", CreateMode::Persistent)
            .await
        {
            Ok(_) => {}
            Err(e) if e.code() == ErrorCode::NodeExists => {}
            Err(e) => return Err(fail("create /bench", e)),
        }
        for i in 0..keys {
            let path = key_path(i);
            match self
                .client
                .create(&path, value, CreateMode::Persistent)
                .await
            {
                Ok(_) => {}
                Err(e) if e.code() == ErrorCode::NodeExists => {
                    self.client
                        .set_data(&path, value, -1)
                        .await
                        .map_err(|e| fail(&path, e))?;
                }
                Err(e) => return Err(fail(&path, e)),
            }
        }
        Ok(())
    }

    async fn close(&self) {
        let _ = self.client.close().await;
    }
}
