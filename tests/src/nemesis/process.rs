//! The servers under test and the faults on them: the [`Cluster`] fixture's
//! processes, each in its own network namespace when partitions are wanted
//! ([`Net`]), killed with -9 and restarted, paused with SIGSTOP and resumed,
//! and cut off from each other.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use coordinator::api::pb::Mode;
use coordinator::cmd::status;
use protocols::NodeId;

use super::netns::{Net, NetError};
use super::schedule::{Fault, Target};
use crate::cluster::{Cluster, Options};

/// How long a Status query may take before the server counts as silent.
const STATUS_TIMEOUT: Duration = Duration::from_secs(1);

/// A cluster and the faults in force on it.
pub struct Servers {
    /// Dropped before `net`: processes leave their namespaces first.
    pub cluster: Cluster,
    net: Option<Net>,
    exe: PathBuf,
    /// Extra environment for every server (`K=V`, through `env`).
    env: Vec<String>,
    killed: BTreeSet<NodeId>,
    paused: BTreeSet<NodeId>,
}

impl Servers {
    /// Writes the configuration and starts every server from `exe`; with
    /// `partitions`, each in its own namespace.
    pub fn start(
        options: Options,
        exe: &Path,
        env: Vec<String>,
        partitions: bool,
    ) -> Result<Servers, NetError> {
        let mut cluster = Cluster::create(options);
        let ids = cluster.ids();
        let net = if partitions {
            let net = Net::create(&ids)?;
            for &id in &ids {
                cluster.edit_config(id, |c| {
                    for (&peer, addr) in &mut c.servers {
                        addr.host = net.ip(peer);
                    }
                });
            }
            Some(net)
        } else {
            None
        };
        let mut servers = Servers {
            cluster,
            net,
            exe: exe.to_path_buf(),
            env,
            killed: BTreeSet::new(),
            paused: BTreeSet::new(),
        };
        for id in ids {
            servers.launch(id);
        }
        Ok(servers)
    }

    fn launch(&mut self, id: NodeId) {
        let mut prefix = self
            .net
            .as_ref()
            .map_or_else(Vec::new, |n| n.exec_prefix(id));
        if !self.env.is_empty() {
            prefix.push("env".into());
            prefix.extend(self.env.iter().cloned());
        }
        self.cluster.start_node_via(id, &self.exe, &prefix);
    }

    /// The connect string of every server.
    pub fn connect_string(&self) -> String {
        let ids = self.cluster.ids();
        let all: Vec<String> = ids.iter().map(|&id| self.cluster.endpoint(id)).collect();
        all.join(",")
    }

    /// The server that says it leads now (among the running, unpaused
    /// ones), if any answers so.
    pub async fn leader_now(&mut self) -> Option<NodeId> {
        for id in self.cluster.running() {
            if self.paused.contains(&id) {
                continue;
            }
            let endpoint = self.cluster.endpoint(id);
            let Ok(Ok(s)) = tokio::time::timeout(STATUS_TIMEOUT, status::query(&endpoint)).await
            else {
                continue;
            };
            if matches!(status::effective_mode(&s), Mode::Leader) {
                return Some(id);
            }
        }
        None
    }

    async fn resolve(&mut self, target: Target) -> NodeId {
        match target {
            Target::Node(id) => id,
            Target::Leader => match self.leader_now().await {
                Some(id) => id,
                // No leader right now: the lowest id stands in.
                None => self.cluster.ids().first().copied().unwrap_or(1),
            },
        }
    }

    /// Starts `fault`; returns what it did, for the log.
    pub async fn inject(&mut self, fault: &Fault) -> Result<String, NetError> {
        match fault {
            Fault::Kill(t) => {
                let id = self.resolve(*t).await;
                if self.killed.contains(&id) {
                    return Ok(format!("server.{id} is already down"));
                }
                self.cluster.kill(id);
                self.paused.remove(&id);
                self.killed.insert(id);
                Ok(format!("kill -9 server.{id}"))
            }
            Fault::Pause(t) => {
                let id = self.resolve(*t).await;
                if self.killed.contains(&id) || !self.paused.insert(id) {
                    return Ok(format!("server.{id} is already stopped"));
                }
                self.cluster.pause(id);
                Ok(format!("SIGSTOP server.{id}"))
            }
            Fault::Split(groups) => {
                self.net_mut()?.partition(groups)?;
                Ok(format!("partition {groups:?}"))
            }
            Fault::IsolateLeader => {
                let id = self.resolve(Target::Leader).await;
                let rest: Vec<NodeId> = self
                    .cluster
                    .ids()
                    .into_iter()
                    .filter(|&x| x != id)
                    .collect();
                self.net_mut()?.partition(&[vec![id], rest.clone()])?;
                Ok(format!("isolate leader server.{id} from {rest:?}"))
            }
            Fault::Bridge {
                left,
                bridge,
                right,
            } => {
                self.net_mut()?.partition(&[left.clone(), right.clone()])?;
                Ok(format!("bridge: {left:?} | server.{bridge} | {right:?}"))
            }
        }
    }

    fn net_mut(&mut self) -> Result<&mut Net, NetError> {
        self.net
            .as_mut()
            .ok_or_else(|| NetError("partitions need --faults partition at start".into()))
    }

    /// Ends every fault: links restored, paused servers resumed, killed
    /// ones restarted.
    pub fn heal(&mut self) -> Result<Vec<String>, NetError> {
        let mut done = Vec::new();
        if let Some(net) = &mut self.net
            && !net.cuts().is_empty()
        {
            net.heal()?;
            done.push("links restored".to_string());
        }
        for id in std::mem::take(&mut self.paused) {
            self.cluster.resume(id);
            done.push(format!("SIGCONT server.{id}"));
        }
        for id in std::mem::take(&mut self.killed) {
            self.launch(id);
            done.push(format!("restart server.{id}"));
        }
        Ok(done)
    }

    /// Waits up to `timeout` for a leader every running server follows.
    pub async fn settle(&mut self, timeout: Duration) -> Option<NodeId> {
        tokio::time::timeout(timeout, self.cluster.wait_for_leader())
            .await
            .ok()
    }
}

/// The `zoolab` server binary for a runner started as a program (not a
/// test): built by cargo with the runner's own profile, next to it.
pub fn build_server_binary() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let dir = me
        .parent()
        .ok_or_else(|| format!("{} has no directory", me.display()))?;
    let target = dir
        .parent()
        .ok_or_else(|| format!("{} is not in target/<profile>", me.display()))?;
    let profile = match dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(other) => other,
        None => "dev",
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the tests crate is not inside the workspace")?;
    let status = std::process::Command::new(cargo)
        .current_dir(workspace)
        .args(["build", "--quiet", "-p", "coordinator", "--bin", "zoolab"])
        .args(["--profile", profile, "--target-dir"])
        .arg(target)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let exe = dir.join("zoolab");
    if status.success() && exe.is_file() {
        Ok(exe)
    } else {
        Err(format!("building {} failed ({status})", exe.display()))
    }
}
