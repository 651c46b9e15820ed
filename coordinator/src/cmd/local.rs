//! The files of a local cluster: one zoo.cfg and one dataDir per server, on
//! free loopback ports. `zoolab cluster` and the integration tests both
//! start their servers from these.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use protocols::NodeId;

use crate::server_config::{ConfigError, ProtocolName, ServerConfig};

use super::ports::free_node_ports;

/// What differs between local clusters.
#[derive(Clone, Debug)]
pub struct LocalClusterSpec {
    pub nodes: usize,
    pub protocol: ProtocolName,
    /// zoo.cfg's tickTime; sessions may last 2 to 20 of them.
    pub tick_time_ms: u32,
}

/// One server of a local cluster, its files written.
#[derive(Clone, Debug)]
pub struct LocalNode {
    pub config: ServerConfig,
    /// Its zoo.cfg: `base/zoo<id>.cfg`.
    pub config_path: PathBuf,
    /// Where its output goes: `base/node<id>.log`.
    pub log_path: PathBuf,
}

impl LocalNode {
    pub fn id(&self) -> NodeId {
        self.config.my_id
    }

    /// `127.0.0.1:<grpcPort>`.
    pub fn grpc_endpoint(&self) -> String {
        self.config.grpc_endpoint()
    }

    /// `127.0.0.1:<clientPort>`: ZooKeeper's wire protocol.
    pub fn client_endpoint(&self) -> String {
        self.config.client_endpoint()
    }
}

/// Why a local cluster could not be laid out.
#[derive(Debug)]
pub enum LayoutError {
    /// The base directory has files in it: a server would recover from them.
    NotEmpty(PathBuf),
    Io {
        path: PathBuf,
        source: io::Error,
    },
    Config(ConfigError),
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::NotEmpty(p) => write!(
                f,
                "{} is not empty: give --base-dir a new or empty directory (its servers start with fresh data)",
                p.display()
            ),
            LayoutError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            LayoutError::Config(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LayoutError {}

impl From<ConfigError> for LayoutError {
    fn from(e: ConfigError) -> LayoutError {
        LayoutError::Config(e)
    }
}

/// Writes a fresh cluster's files under `base` (created if missing, must be
/// empty): `zoo<i>.cfg` and dataDir `node<i>/` with its myid, for ids
/// 1..=nodes on free loopback ports.
pub fn write_local_cluster(
    base: &Path,
    spec: &LocalClusterSpec,
) -> Result<Vec<LocalNode>, LayoutError> {
    let io_err = |source| LayoutError::Io {
        path: base.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(base).map_err(io_err)?;
    if std::fs::read_dir(base).map_err(io_err)?.next().is_some() {
        return Err(LayoutError::NotEmpty(base.to_path_buf()));
    }
    let ports = free_node_ports(spec.nodes).map_err(io_err)?;
    let configs = ServerConfig::local_cluster(spec.nodes, base, &ports)?;
    configs
        .into_iter()
        .map(|mut config| {
            config.protocol = spec.protocol;
            config.tick_time_ms = spec.tick_time_ms;
            config.min_session_timeout_ms = spec.tick_time_ms.saturating_mul(2);
            config.max_session_timeout_ms = spec.tick_time_ms.saturating_mul(20);
            let id = config.my_id;
            let config_path = base.join(format!("zoo{id}.cfg"));
            config.write_zoo_cfg(&config_path)?;
            Ok(LocalNode {
                config,
                config_path,
                log_path: base.join(format!("node{id}.log")),
            })
        })
        .collect()
}

/// The command that runs `node` from the `zoolab` binary at `exe`: its
/// zoo.cfg, output appended to its log, and a pipe on standard input that
/// stops it when closed (or when the starter dies).
pub fn server_command(exe: &Path, node: &LocalNode) -> io::Result<std::process::Command> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&node.log_path)?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("server")
        .arg("--config")
        .arg(&node.config_path)
        .arg("--exit-on-stdin-eof")
        .stdin(std::process::Stdio::piped())
        .stdout(log.try_clone()?)
        .stderr(log);
    Ok(cmd)
}

/// The last `lines` lines of a log, for messages about a server that died.
pub fn log_tail(path: &Path, lines: usize) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("<cannot read {}: {e}>", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_config::ConfigOverrides;

    #[test]
    fn written_files_load_back_as_the_same_configuration() {
        let dir = tempfile::tempdir().expect("tempdir");
        let spec = LocalClusterSpec {
            nodes: 3,
            protocol: ProtocolName::MultiPaxos,
            tick_time_ms: 300,
        };
        let nodes = write_local_cluster(dir.path(), &spec).expect("layout");
        assert_eq!(nodes.len(), 3);
        for node in &nodes {
            let loaded =
                ServerConfig::load(&node.config_path, &ConfigOverrides::default()).expect("load");
            assert_eq!(loaded, node.config);
            assert_eq!(loaded.tick_time_ms, 300);
            assert_eq!(loaded.min_session_timeout_ms, 600);
            assert_eq!(loaded.servers.len(), 3);
        }
        let err = write_local_cluster(dir.path(), &spec).expect_err("not empty");
        assert!(matches!(err, LayoutError::NotEmpty(_)), "{err}");
    }
}
