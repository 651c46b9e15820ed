//! `zoolab server --config zoo.cfg`: one node — its storage in dataDir, its
//! peer transport, its gRPC service — until SIGINT, SIGTERM or (with the
//! hidden `--exit-on-stdin-eof`) the end of standard input.

use std::fmt;

use crate::server_config::{ConfigError, ServerConfig};

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
    /// The node stopped on a storage failure.
    Stopped(String),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Config(e) => write!(f, "{e}"),
            ServerError::Start(e) => write!(f, "cannot start: {e}"),
            ServerError::Grpc(e) => write!(f, "gRPC service: {e}"),
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

/// `zoolab server`.
pub async fn run(args: &ServerArgs, signals: &mut StopSignals) -> Result<(), ServerError> {
    let config = load_config(args)?;
    let _ = signals;
    Err(ServerError::Start(format!(
        "server {} is configured, but this build does not wire the node runtime to dataDir and TCP yet",
        config.my_id
    )))
}
