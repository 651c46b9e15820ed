//! `zoolab status`: a server's mode, printed the way `zkServer.sh status`
//! prints it, from the gRPC `Status` call.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::api::pb::{self, Mode, zoo_lab_client::ZooLabClient};
use crate::server_config::{ConfigError, ServerAddr, ZooCfg, read_myid};

use super::args::StatusArgs;

/// Where `zoolab status` looks without flags: zoo.cfg's default clientPort
/// 2181, plus one.
pub const DEFAULT_ENDPOINT: &str = "127.0.0.1:2182";

/// How long a status call may take, connecting included.
const STATUS_TIMEOUT: Duration = Duration::from_secs(5);

/// Why no mode could be printed.
#[derive(Debug)]
pub enum StatusError {
    /// zoo.cfg could not be read or names no endpoint.
    Config(ConfigError),
    /// The endpoint is not a `host:port` gRPC can dial.
    BadEndpoint { endpoint: String, reason: String },
    /// Nothing answered there.
    NotRunning { endpoint: String, reason: String },
    /// It runs but does not serve clients (it is electing a leader).
    NotServing { endpoint: String },
    /// It answered with an error.
    Failed { endpoint: String, status: String },
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusError::Config(e) => write!(f, "{e}"),
            StatusError::BadEndpoint { endpoint, reason } => {
                write!(f, "{endpoint:?} is not a host:port endpoint: {reason}")
            }
            StatusError::NotRunning { endpoint, reason } => write!(
                f,
                "Error contacting service at {endpoint}. It is probably not running. ({reason})"
            ),
            StatusError::NotServing { endpoint } => write!(
                f,
                "the server at {endpoint} is running but not serving requests: it is electing a leader"
            ),
            StatusError::Failed { endpoint, status } => {
                write!(
                    f,
                    "the server at {endpoint} failed the status call: {status}"
                )
            }
        }
    }
}

impl std::error::Error for StatusError {}

/// The gRPC endpoint the flags designate.
pub fn endpoint(args: &StatusArgs) -> Result<String, StatusError> {
    match (&args.server, &args.config) {
        (Some(server), _) => Ok(server.clone()),
        (None, Some(path)) => endpoint_from_config(path).map_err(StatusError::Config),
        (None, None) => Ok(DEFAULT_ENDPOINT.to_string()),
    }
}

/// `host:grpcPort` of the server a zoo.cfg describes, read without touching
/// dataDir (unlike starting a server, asking its status creates nothing).
pub fn endpoint_from_config(path: &Path) -> Result<String, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    let cfg = ZooCfg::parse(&text)?;
    let my_id = match &cfg.data_dir {
        Some(dir) => read_myid(dir)?,
        None => None,
    };
    let me: Option<&ServerAddr> = match my_id {
        Some(id) => cfg.servers.get(&id),
        None if cfg.servers.len() == 1 => cfg.servers.values().next(),
        None => None,
    };
    let host = me.map_or("127.0.0.1", |m| m.host.as_str());
    let client_port = cfg.client_port.or(me.and_then(|m| m.client_port));
    let grpc_port = match (cfg.grpc_port, client_port) {
        (Some(p), _) => p,
        (None, Some(c)) => c.checked_add(1).ok_or(ConfigError::OutOfRange {
            key: "grpcPort",
            reason: "defaults to clientPort + 1, which is past 65535: set grpcPort".into(),
        })?,
        (None, None) => {
            return Err(ConfigError::MissingKey {
                key: "grpcPort",
                fix: "set grpcPort (or clientPort; gRPC defaults to clientPort + 1)",
            });
        }
    };
    Ok(ServerAddr::endpoint(host, grpc_port))
}

/// Calls `Status` on the server at `endpoint` (`host:port`).
pub async fn query(endpoint: &str) -> Result<pb::StatusResponse, StatusError> {
    let uri = format!("http://{endpoint}");
    let channel = tonic::transport::Endpoint::from_shared(uri)
        .map_err(|e| StatusError::BadEndpoint {
            endpoint: endpoint.to_string(),
            reason: e.to_string(),
        })?
        .connect_timeout(STATUS_TIMEOUT)
        .timeout(STATUS_TIMEOUT);
    let channel = channel
        .connect()
        .await
        .map_err(|e| StatusError::NotRunning {
            endpoint: endpoint.to_string(),
            reason: error_chain(&e),
        })?;
    let mut client = ZooLabClient::new(channel);
    match client.status(pb::StatusRequest {}).await {
        Ok(response) => Ok(response.into_inner()),
        Err(status) if status.code() == tonic::Code::Unavailable => Err(StatusError::NotRunning {
            endpoint: endpoint.to_string(),
            reason: status.message().to_string(),
        }),
        Err(status) => Err(StatusError::Failed {
            endpoint: endpoint.to_string(),
            status: status.to_string(),
        }),
    }
}

/// The server's mode as `zoolab status` reports it. `Status` says
/// STANDALONE for a one-server ensemble whatever its role, also while its
/// core has not yet made itself leader (after a start or restart) and it
/// cannot serve; that is reported as looking here (ZooKeeper's status fails
/// for a server that does not serve yet). A leaderless (basic Paxos)
/// standalone server serves at once: it is its own session keeper.
pub fn effective_mode(status: &pb::StatusResponse) -> Mode {
    let me = Some(status.server_id);
    match status.mode() {
        Mode::Standalone if status.leader_id != me && status.session_keeper != me => Mode::Looking,
        mode => mode,
    }
}

/// The word `zkServer.sh status` prints after `Mode: `.
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Looking => "looking",
        Mode::Standalone => "standalone",
        Mode::Leader => "leader",
        Mode::Follower => "follower",
        Mode::Peer => "peer",
    }
}

/// A mode in which the server answers clients (ZooKeeper's status fails
/// for a server that is still electing).
pub fn is_serving(mode: Mode) -> bool {
    !matches!(mode, Mode::Looking)
}

/// The lines `zoolab status` prints for a response.
pub fn render(endpoint: &str, config: Option<&PathBuf>, status: &pb::StatusResponse) -> String {
    let mut out = String::new();
    if let Some(path) = config {
        out.push_str(&format!("Using config: {}\n", path.display()));
    }
    out.push_str(&format!(
        "gRPC endpoint: {endpoint}. Server id: {}. Protocol: {}.\n",
        status.server_id, status.protocol
    ));
    out.push_str(&format!("Mode: {}\n", mode_name(effective_mode(status))));
    out.push_str(&format!(
        "Peer messages sent/received: {}/{}. Peer bytes sent/received: {}/{}. Commits: {}.\n",
        status.messages_sent,
        status.messages_received,
        status.bytes_sent,
        status.bytes_received,
        status.commits
    ));
    // Who expires silent sessions: worth naming where no server leads.
    if let Some(keeper) = status.session_keeper {
        out.push_str(&format!("Session keeper: server.{keeper}\n"));
    }
    out
}

/// `io::Error`s from hyper hide the reason ("connection refused") in their
/// sources.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `zoolab status`: exit 0 and the mode, or exit 1 and why not.
pub async fn run(args: &StatusArgs) -> Result<(), StatusError> {
    let endpoint = endpoint(args)?;
    let status = query(&endpoint).await?;
    print!("{}", render(&endpoint, args.config.as_ref(), &status));
    if is_serving(effective_mode(&status)) {
        Ok(())
    } else {
        Err(StatusError::NotServing { endpoint })
    }
}
