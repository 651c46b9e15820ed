//! The gRPC front end (`proto/zoolab.proto`, package `zoolab.v1`) over a
//! node's request core ([`crate::runtime::NodeHandle`]).
//!
//! - [`ZooLabService`]: the `ZooLab` service; conversions and replies come
//!   from [`crate::api`].
//! - [`serve`] / [`serve_on`]: run it on an address or a bound listener
//!   until a shutdown future resolves, then shut down gracefully (open
//!   Watch streams end first, in-flight calls finish);
//!   [`GrpcServer::start`]: the same on a spawned task, for tests and
//!   for the `zoolab` binary.
//!
//! Sessions: a session is attached to the server that created or last
//! resumed it; any other server answers its requests with SESSIONMOVED
//! until it is resumed there. ResumeSession is refused with CONNECTIONLOSS
//! when this server has applied less than the client's lastZxidSeen.
//! Every request of an attached session counts as a keep-alive.
//!
//! Differences from ZooKeeper worth knowing:
//! - The server a session left does not learn of the move (attachment is
//!   not replicated); it stops watching for the client when the client's
//!   Watch stream to it ends.
//! - Events and replies travel on different HTTP/2 streams, so "the event
//!   before the data" holds per stream, not across the two.
//! - Identities (see [`crate::auth`]): every request carries `ip:` of the
//!   address it came from, plus what AddAuth proved for its session on this
//!   server. They are kept per attachment, not per TCP connection: a
//!   session resumed here starts again from none, and the client replays
//!   its AddAuths (the Rust client does). A failed AddAuth detaches the
//!   session from this server instead of closing a TCP connection.
//! - removeWatches sends no *WatchRemoved events.

mod handlers;
mod identity;
mod limit;
mod service;
mod sessions;
mod watch_stream;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::api::pb::zoo_lab_server::ZooLabServer;
use crate::runtime::NodeHandle;
use crate::server_config::ServerConfig;

pub use service::ZooLabService;
pub use watch_stream::WatchStream;

/// Bounds on what clients may hold open on one server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrpcLimits {
    /// Open client connections; more wait in the listen backlog until one
    /// closes.
    pub max_connections: usize,
    /// Open Watch streams (one per connected session); more are refused
    /// with RESOURCE_EXHAUSTED.
    pub max_watch_streams: usize,
    /// Concurrent HTTP/2 streams (calls) per connection.
    pub max_concurrent_streams: u32,
    /// Requests served concurrently per connection; more wait.
    pub concurrency_per_connection: usize,
}

impl Default for GrpcLimits {
    fn default() -> GrpcLimits {
        GrpcLimits {
            max_connections: 4_096,
            max_watch_streams: 10_000,
            max_concurrent_streams: 1_024,
            concurrency_per_connection: 256,
        }
    }
}

/// Why the gRPC server failed.
#[derive(Debug)]
pub enum GrpcError {
    /// The address could not be bound.
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    Transport(tonic::transport::Error),
    /// The server's task panicked or was aborted.
    Task(String),
}

impl std::fmt::Display for GrpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GrpcError::Bind { addr, source } => {
                write!(f, "cannot listen for gRPC clients on {addr}: {source}")
            }
            GrpcError::Transport(e) => write!(f, "gRPC server failed: {e}"),
            GrpcError::Task(e) => write!(f, "gRPC server task failed: {e}"),
        }
    }
}

impl std::error::Error for GrpcError {}

/// Serves `handle` on `addr` until `shutdown` resolves.
pub async fn serve(
    handle: NodeHandle,
    config: ServerConfig,
    addr: SocketAddr,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), GrpcError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| GrpcError::Bind { addr, source })?;
    serve_on(listener, handle, config, GrpcLimits::default(), shutdown).await
}

/// Serves `handle` on a bound listener until `shutdown` resolves; then Watch
/// streams end and in-flight calls finish before this returns.
pub async fn serve_on(
    listener: TcpListener,
    handle: NodeHandle,
    config: ServerConfig,
    limits: GrpcLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), GrpcError> {
    let (stop, stopping) = watch::channel(false);
    let service = ZooLabService::new(handle, config, limits.max_watch_streams, stopping);
    let signal = async move {
        shutdown.await;
        let _ = stop.send(true);
    };
    tonic::transport::Server::builder()
        .concurrency_limit_per_connection(limits.concurrency_per_connection)
        .max_concurrent_streams(Some(limits.max_concurrent_streams))
        .http2_keepalive_interval(Some(Duration::from_secs(10)))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .tcp_nodelay(true)
        .add_service(ZooLabServer::new(service))
        .serve_with_incoming_shutdown(limit::incoming(listener, limits.max_connections), signal)
        .await
        .map_err(GrpcError::Transport)
}

/// A gRPC server running on its own task.
pub struct GrpcServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), GrpcError>>,
}

impl GrpcServer {
    /// Binds `addr` (port 0 picks a free port) and serves `handle` there.
    pub async fn start(
        handle: NodeHandle,
        config: ServerConfig,
        addr: SocketAddr,
        limits: GrpcLimits,
    ) -> Result<GrpcServer, GrpcError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| GrpcError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| GrpcError::Bind { addr, source })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_on(listener, handle, config, limits, async move {
            let _ = stopped.await;
        }));
        Ok(GrpcServer {
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// Where clients reach it.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Graceful shutdown: stops accepting, ends Watch streams, waits for
    /// in-flight calls.
    pub async fn shutdown(mut self) -> Result<(), GrpcError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(GrpcError::Task(e.to_string())),
        }
    }

    /// Stops at once, as a crash would: connections drop mid-call.
    pub fn abort(self) {
        self.task.abort();
    }
}
