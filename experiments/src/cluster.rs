//! A local cluster of server processes on loopback for one experiment:
//! fresh dataDirs in a temporary directory, one process per server (the
//! `server` subcommand of the given binary: `zoolab` or `zoolab-bench`),
//! stopped by closing their standard input (they also stop if this process
//! dies).

use std::fmt;
use std::path::Path;
use std::process::{Child, ChildStdin};
use std::time::Duration;

use coordinator::api::pb::Mode;
use coordinator::client::server_status;
use coordinator::cmd::local::{
    LayoutError, LocalClusterSpec, LocalNode, log_tail, server_command, write_local_cluster,
};
use coordinator::cmd::status::{effective_mode, is_serving};
use coordinator::runtime::ProtocolName;
use tokio::time::Instant;

/// How long a cluster may take to elect a leader.
const START_PATIENCE: Duration = Duration::from_secs(30);
/// How long a server may take to exit once told.
const STOP_PATIENCE: Duration = Duration::from_secs(10);

/// Why a cluster could not be started.
#[derive(Debug)]
pub enum ClusterError {
    Layout(LayoutError),
    Io(std::io::Error),
    /// A server exited before the cluster was up; the end of its log.
    Exited {
        id: u64,
        log: String,
    },
    /// No leader (or not every server serving) in time.
    NotUp {
        modes: String,
    },
}

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterError::Layout(e) => write!(f, "{e}"),
            ClusterError::Io(e) => write!(f, "{e}"),
            ClusterError::Exited { id, log } => write!(f, "server {id} exited:\n{log}"),
            ClusterError::NotUp { modes } => {
                write!(f, "the cluster did not come up in time: {modes}")
            }
        }
    }
}

impl std::error::Error for ClusterError {}

struct Server {
    node: LocalNode,
    child: Child,
    stdin: Option<ChildStdin>,
}

/// A running local cluster. Dropping it kills the servers; [`stop`]
/// stops them cleanly.
///
/// [`stop`]: LocalCluster::stop
pub struct LocalCluster {
    pub protocol: ProtocolName,
    servers: Vec<Server>,
    _dir: tempfile::TempDir,
}

impl LocalCluster {
    /// Starts `nodes` servers of `protocol` from the binary `exe` and waits
    /// until every one serves.
    pub async fn start(
        exe: &Path,
        protocol: ProtocolName,
        nodes: usize,
    ) -> Result<LocalCluster, ClusterError> {
        let dir = tempfile::Builder::new()
            .prefix("zoolab-bench-")
            .tempdir()
            .map_err(ClusterError::Io)?;
        let spec = LocalClusterSpec {
            nodes,
            protocol,
            tick_time_ms: 200,
        };
        let layout = write_local_cluster(dir.path(), &spec).map_err(ClusterError::Layout)?;
        let mut servers = Vec::new();
        for node in layout {
            let mut child = server_command(exe, &node)
                .and_then(|mut c| c.spawn())
                .map_err(ClusterError::Io)?;
            let stdin = child.stdin.take();
            servers.push(Server { node, child, stdin });
        }
        let cluster = LocalCluster {
            protocol,
            servers,
            _dir: dir,
        };
        cluster.wait_until_serving().await?;
        Ok(cluster)
    }

    async fn wait_until_serving(&self) -> Result<(), ClusterError> {
        let deadline = Instant::now() + START_PATIENCE;
        loop {
            let mut modes = Vec::new();
            for s in &self.servers {
                let mode = match server_status(&s.node.grpc_endpoint()).await {
                    Ok(status) => effective_mode(&status),
                    Err(_) => Mode::Looking,
                };
                modes.push(mode);
            }
            let leaders = modes
                .iter()
                .filter(|m| matches!(m, Mode::Leader | Mode::Standalone | Mode::Peer))
                .count();
            if leaders >= 1 && modes.iter().all(|&m| is_serving(m)) {
                return Ok(());
            }
            for s in &self.servers {
                if !process_alive(s.child.id()) {
                    return Err(ClusterError::Exited {
                        id: s.node.id(),
                        log: log_tail(&s.node.log_path, 20),
                    });
                }
            }
            if Instant::now() >= deadline {
                return Err(ClusterError::NotUp {
                    modes: format!("{modes:?}"),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The servers' gRPC endpoints, by id.
    pub fn endpoints(&self) -> Vec<String> {
        self.servers
            .iter()
            .map(|s| s.node.grpc_endpoint())
            .collect()
    }

    pub fn pids(&self) -> Vec<u32> {
        self.servers.iter().map(|s| s.child.id()).collect()
    }

    /// The leader's endpoint first (writes go through it), then the others.
    pub async fn endpoints_leader_first(&self) -> Vec<String> {
        let mut all = self.endpoints();
        for (i, e) in all.clone().iter().enumerate() {
            if let Ok(s) = server_status(e).await
                && matches!(effective_mode(&s), Mode::Leader)
            {
                all.swap(0, i);
                break;
            }
        }
        all
    }

    /// Closes every server's stdin and waits for them (killing one that
    /// does not exit in time).
    pub async fn stop(mut self) {
        for s in &mut self.servers {
            s.stdin = None;
        }
        let deadline = Instant::now() + STOP_PATIENCE;
        for s in &mut self.servers {
            loop {
                match s.child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() >= deadline => {
                        let _ = s.child.kill();
                        let _ = s.child.wait();
                        break;
                    }
                    Ok(None) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
        }
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        for s in &mut self.servers {
            if let Ok(None) = s.child.try_wait() {
                let _ = s.child.kill();
                let _ = s.child.wait();
            }
        }
    }
}

fn process_alive(pid: u32) -> bool {
    // A zombie has exited: its stat's state is Z.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rfind(')')
                .map(|i| s[i + 1..].trim_start().starts_with('Z'))
        })
        .is_some_and(|zombie| !zombie)
}
