//! `zoolab server --config zoo.cfg`: one node — its storage in dataDir, its
//! peer transport, its gRPC service, ZooKeeper's protocol on clientPort — until SIGINT, SIGTERM or (with the
//! hidden `--exit-on-stdin-eof`) the end of standard input.

use std::fmt;
use std::net::SocketAddr;

use crate::grpc::{GrpcLimits, GrpcServer};
use crate::runtime::start_server;
use crate::server_config::{ConfigError, ServerConfig};
use crate::wire::{WireConfig, WireServer};

use super::args::ServerArgs;
use super::stop::StopSignals;

/// Why a server did not start or did not stop cleanly.
#[derive(Debug)]
pub enum ServerError {
    Config(ConfigError),
    /// The node runtime could not start (storage, transport, ports).
    Start(String),
    /// The gRPC service failed.
    Grpc(String),
    /// The ZooKeeper wire-protocol listener could not start.
    Wire(String),
    /// The node stopped on a storage failure.
    Stopped(String),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Config(e) => write!(f, "{e}"),
            ServerError::Start(e) => write!(f, "cannot start: {e}"),
            ServerError::Grpc(e) => write!(f, "gRPC service: {e}"),
            ServerError::Wire(e) => write!(f, "ZooKeeper client port: {e}"),
            ServerError::Stopped(e) => write!(f, "stopped: {e}"),
        }
    }
}

impl std::error::Error for ServerError {}

/// Loads the configuration (file, then flags over it) and logs what it
/// ignored.
pub fn load_config(args: &ServerArgs) -> Result<ServerConfig, ServerError> {
    let config =
        ServerConfig::load(&args.config, &args.overrides()).map_err(ServerError::Config)?;
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    Ok(config)
}

/// `zoolab server`: starts the node (peer transport, dataDir) and its gRPC
/// service, then waits for a stop signal or for the node to fail, and
/// stops both (gRPC first, so no request arrives at a stopping node).
pub async fn run(args: &ServerArgs, signals: &mut StopSignals) -> Result<(), ServerError> {
    let config = load_config(args)?;
    let grpc_addr = grpc_address(&config).await?;
    let node = start_server(&config)
        .await
        .map_err(|e| ServerError::Start(e.to_string()))?;
    let grpc = match GrpcServer::start(
        node.handle(),
        config.clone(),
        grpc_addr,
        GrpcLimits::default(),
    )
    .await
    {
        Ok(grpc) => grpc,
        Err(e) => {
            let _ = node.stop().await;
            return Err(ServerError::Grpc(e.to_string()));
        }
    };
    let wire_addr = address(&config.client_endpoint(), "client").await?;
    // The file was just read by load_config; a failure now only loses
    // the whitelist key (ZooKeeper's default then applies).
    let zoo_cfg = std::fs::read_to_string(&args.config).unwrap_or_default();
    let words = super::fourlw_hook::Hook::new(node.handle(), config.clone(), &zoo_cfg);
    let wire = match WireServer::start(
        node.handle(),
        wire_addr,
        WireConfig::from_server(&config),
        Some(std::sync::Arc::new(words)),
    )
    .await
    {
        Ok(wire) => wire,
        Err(e) => {
            let _ = grpc.shutdown().await;
            let _ = node.stop().await;
            return Err(ServerError::Wire(e.to_string()));
        }
    };
    tracing::info!(
        id = config.my_id,
        client = %wire.local_addr(),
        protocol = %config.protocol,
        standalone = config.is_standalone(),
        peer = %node.peer_addr(),
        grpc = %grpc.local_addr(),
        "server started"
    );
    let mut status = node.handle().status_watch();
    let failed = async {
        // The node publishes `running = false` when it stops on its own
        // (a storage failure); a closed channel means the same.
        let _ = status.wait_for(|s| !s.running).await;
    };
    let outcome = tokio::select! {
        reason = signals.wait() => {
            tracing::info!(id = config.my_id, "{reason}: stopping");
            Ok(())
        }
        () = failed => Err(ServerError::Stopped("the node stopped on its own; see the log".into())),
    };
    wire.shutdown().await;
    let grpc_stopped = grpc.shutdown().await;
    let node_stopped = node.stop().await;
    outcome?;
    grpc_stopped.map_err(|e| ServerError::Grpc(e.to_string()))?;
    node_stopped.map_err(|e| ServerError::Stopped(e.to_string()))
}

/// The address the gRPC service binds: this server's host (its `server.N`
/// host, or 127.0.0.1 standalone) and grpcPort.
async fn grpc_address(config: &ServerConfig) -> Result<SocketAddr, ServerError> {
    address(&config.grpc_endpoint(), "gRPC").await
}

/// Resolves `endpoint` to the address a listener binds.
async fn address(endpoint: &str, what: &str) -> Result<SocketAddr, ServerError> {
    let unresolved =
        |reason: String| ServerError::Start(format!("{what} address {endpoint}: {reason}"));
    tokio::net::lookup_host(endpoint)
        .await
        .map_err(|e| unresolved(e.to_string()))?
        .next()
        .ok_or_else(|| unresolved("resolves to no address".into()))
}
