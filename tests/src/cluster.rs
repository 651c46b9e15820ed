//! [`Cluster`]: real `zoolab server` processes on loopback, started from
//! zoo.cfg files in a temporary directory, which a test can kill -9,
//! stop, restart and ask for their status. Every process is killed when the
//! fixture is dropped (and, should the test process itself be killed, each
//! server stops on its own when its stdin pipe closes).

use std::collections::{BTreeMap, BTreeSet};
use std::process::Child;
use std::time::Duration;

use tempfile::TempDir;

use coordinator::api::pb::{self, Mode};
use coordinator::cmd::local::{LocalClusterSpec, LocalNode, server_command, write_local_cluster};
use coordinator::cmd::status;
use coordinator::server_config::{ProtocolName, ServerConfig};
use protocols::NodeId;

use crate::binary::zoolab;
use crate::wait::wait_until;

/// How a test cluster is configured.
#[derive(Clone, Debug)]
pub struct Options {
    pub nodes: usize,
    pub protocol: ProtocolName,
    /// zoo.cfg tickTime. Tests use a short one: elections take
    /// syncLimit..2·syncLimit tickTimes, sessions 2..20 tickTimes.
    pub tick_time_ms: u32,
    pub sync_limit: u32,
    pub init_limit: u32,
}

impl Options {
    /// `nodes` servers running `protocol`, tickTime 100 ms, syncLimit 5
    /// (a leader is suspected after 0.5–1 s of silence), sessions of
    /// 200 ms to 2 s.
    pub fn new(nodes: usize, protocol: ProtocolName) -> Options {
        Options {
            nodes,
            protocol,
            tick_time_ms: 100,
            sync_limit: 5,
            init_limit: 10,
        }
    }
}

/// Generous bounds for things that take a second or two on a quiet machine
/// (the suite shares a loaded 2-core machine with compilers).
pub const ELECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// A running test cluster.
pub struct Cluster {
    pub options: Options,
    nodes: Vec<LocalNode>,
    children: BTreeMap<NodeId, Child>,
    /// Last, so it is deleted after the processes are gone.
    dir: TempDir,
}

impl Cluster {
    /// Writes the files and starts every server.
    pub fn start(options: Options) -> Cluster {
        let mut cluster = Cluster::create(options);
        for id in cluster.ids() {
            cluster.start_node(id);
        }
        cluster
    }

    /// Writes the files; starts nothing.
    pub fn create(options: Options) -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("zoolab-it-")
            .tempdir()
            .expect("temporary directory");
        let spec = LocalClusterSpec {
            nodes: options.nodes,
            protocol: options.protocol,
            tick_time_ms: options.tick_time_ms,
        };
        let mut nodes = write_local_cluster(dir.path(), &spec).expect("cluster files");
        for node in &mut nodes {
            node.config.sync_limit = options.sync_limit;
            node.config.init_limit = options.init_limit;
            node.config
                .write_zoo_cfg(&node.config_path)
                .expect("zoo.cfg");
        }
        Cluster {
            options,
            nodes,
            children: BTreeMap::new(),
            dir,
        }
    }

    /// Rewrites one server's zoo.cfg after `edit` (before it starts).
    pub fn edit_config(&mut self, id: NodeId, edit: impl FnOnce(&mut ServerConfig)) {
        let node = self.node_mut(id);
        edit(&mut node.config);
        node.config
            .write_zoo_cfg(&node.config_path)
            .expect("zoo.cfg");
    }

    /// Appends raw lines to one server's zoo.cfg (keys the typed
    /// configuration does not carry).
    pub fn append_config(&self, id: NodeId, lines: &str) {
        use std::io::Write;
        let path = &self.node(id).config_path;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .expect("open zoo.cfg");
        f.write_all(lines.as_bytes()).expect("append to zoo.cfg");
    }

    pub fn ids(&self) -> Vec<NodeId> {
        self.nodes.iter().map(LocalNode::id).collect()
    }

    /// The servers whose process runs.
    pub fn running(&mut self) -> Vec<NodeId> {
        let ids: Vec<NodeId> = self.children.keys().copied().collect();
        ids.into_iter().filter(|id| self.is_running(*id)).collect()
    }

    pub fn node(&self, id: NodeId) -> &LocalNode {
        self.nodes
            .iter()
            .find(|n| n.id() == id)
            .unwrap_or_else(|| panic!("no server.{id}"))
    }

    fn node_mut(&mut self, id: NodeId) -> &mut LocalNode {
        self.nodes
            .iter_mut()
            .find(|n| n.id() == id)
            .unwrap_or_else(|| panic!("no server.{id}"))
    }

    /// `127.0.0.1:<clientPort>` of a server: ZooKeeper's wire protocol.
    pub fn client_endpoint(&self, id: NodeId) -> String {
        self.node(id).client_endpoint()
    }

    /// Every server's `127.0.0.1:<clientPort>`, comma-separated: a
    /// ZooKeeper client's connect string.
    pub fn client_connect_string(&self) -> String {
        let all: Vec<String> = self
            .ids()
            .iter()
            .map(|&id| self.client_endpoint(id))
            .collect();
        all.join(",")
    }

    /// `127.0.0.1:<grpcPort>` of a server.
    pub fn endpoint(&self, id: NodeId) -> String {
        self.node(id).grpc_endpoint()
    }

    /// The temporary directory holding every zoo.cfg, dataDir and log.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Starts (or restarts) one server's process.
    pub fn start_node(&mut self, id: NodeId) {
        assert!(
            !self.children.contains_key(&id),
            "server.{id} is already running"
        );
        let mut cmd = server_command(zoolab(), self.node(id)).expect("server command");
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env("RUST_LOG", "info");
        }
        let child = cmd.spawn().expect("spawn zoolab server");
        self.children.insert(id, child);
    }

    /// Starts (or restarts) one server's process from the `zoolab` binary at
    /// `exe` behind `prefix`, a command that runs the rest of its arguments
    /// in place (`ip netns exec NS`, `env K=V`), so the child's pid is still
    /// the server's.
    pub fn start_node_via(&mut self, id: NodeId, exe: &std::path::Path, prefix: &[String]) {
        assert!(
            !self.children.contains_key(&id),
            "server.{id} is already running"
        );
        let inner = server_command(exe, self.node(id)).expect("server command");
        let Some((program, args)) = prefix.split_first() else {
            let mut cmd = inner;
            if std::env::var_os("RUST_LOG").is_none() {
                cmd.env("RUST_LOG", "info");
            }
            let child = cmd.spawn().expect("spawn zoolab server");
            self.children.insert(id, child);
            return;
        };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.node(id).log_path)
            .expect("server log");
        let mut cmd = std::process::Command::new(program);
        cmd.args(args)
            .arg(inner.get_program())
            .args(inner.get_args())
            .stdin(std::process::Stdio::piped())
            .stdout(log.try_clone().expect("server log"))
            .stderr(log);
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env("RUST_LOG", "info");
        }
        let child = cmd.spawn().expect("spawn zoolab server");
        self.children.insert(id, child);
    }

    /// The process id of a running server.
    pub fn pid(&self, id: NodeId) -> Option<u32> {
        self.children.get(&id).map(Child::id)
    }

    /// SIGSTOP: the process stays, silent, holding its sockets.
    pub fn pause(&self, id: NodeId) {
        self.signal(id, libc::SIGSTOP);
    }

    /// SIGCONT after [`Cluster::pause`].
    pub fn resume(&self, id: NodeId) {
        self.signal(id, libc::SIGCONT);
    }

    fn signal(&self, id: NodeId, signal: libc::c_int) {
        let pid = self
            .pid(id)
            .and_then(|p| libc::pid_t::try_from(p).ok())
            .unwrap_or_else(|| panic!("server.{id} is not running"));
        // SAFETY: kill(2) on a child this fixture spawned and has not
        // reaped, so the pid cannot have been reused.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill({pid}, {signal}) failed");
    }

    /// kill -9.
    pub fn kill(&mut self, id: NodeId) {
        let mut child = self
            .children
            .remove(&id)
            .unwrap_or_else(|| panic!("server.{id} is not running"));
        let _ = child.kill();
        let _ = child.wait();
    }

    /// A clean stop: its stdin pipe closes, and it must exit successfully.
    pub fn stop(&mut self, id: NodeId) {
        let mut child = self
            .children
            .remove(&id)
            .unwrap_or_else(|| panic!("server.{id} is not running"));
        drop(child.stdin.take());
        let status = child.wait().expect("wait for server");
        assert!(status.success(), "server.{id} stopped with {status}");
    }

    /// Whether its process is alive (one that exited is forgotten, and its
    /// log's tail printed).
    pub fn is_running(&mut self, id: NodeId) -> bool {
        let Some(child) = self.children.get_mut(&id) else {
            return false;
        };
        match child.try_wait() {
            Ok(None) => true,
            Ok(Some(status)) => {
                eprintln!(
                    "server.{id} exited ({status}); its log ends with:\n{}",
                    self.log_tail(id)
                );
                self.children.remove(&id);
                false
            }
            Err(_) => false,
        }
    }

    /// The last lines of a server's log.
    pub fn log_tail(&self, id: NodeId) -> String {
        coordinator::cmd::local::log_tail(&self.node(id).log_path, 30)
    }

    /// A server's Status, or None when it does not answer.
    pub async fn status(&self, id: NodeId) -> Option<pb::StatusResponse> {
        status::query(&self.endpoint(id)).await.ok()
    }

    /// Every running server's mode.
    pub async fn modes(&mut self) -> BTreeMap<NodeId, Option<Mode>> {
        let mut modes = BTreeMap::new();
        for id in self.running() {
            modes.insert(
                id,
                self.status(id).await.map(|s| status::effective_mode(&s)),
            );
        }
        modes
    }

    /// Waits until one running server leads and every other running server
    /// follows it; returns the leader. In a leaderless cluster (basic
    /// Paxos), waits until every running server is a peer and all name the
    /// same running session keeper; returns the keeper.
    pub async fn wait_for_leader(&mut self) -> NodeId {
        self.wait_for_leader_among(None).await
    }

    /// As [`Cluster::wait_for_leader`], but the leader must not be `not`.
    pub async fn wait_for_new_leader(&mut self, not: NodeId) -> NodeId {
        self.wait_for_leader_among(Some(not)).await
    }

    async fn wait_for_leader_among(&mut self, not: Option<NodeId>) -> NodeId {
        let timeout = ELECTION_TIMEOUT;
        let result = tokio::time::timeout(timeout, async {
            loop {
                if let Some(leader) = self.agreed_leader(not).await {
                    return leader;
                }
                tokio::time::sleep(crate::wait::POLL).await;
            }
        })
        .await;
        match result {
            Ok(leader) => leader,
            Err(_) => {
                let modes = self.modes().await;
                let logs: Vec<String> = self
                    .ids()
                    .into_iter()
                    .map(|id| format!("--- server.{id}\n{}", self.log_tail(id)))
                    .collect();
                panic!(
                    "no agreed leader within {timeout:?}; modes {modes:?}\n{}",
                    logs.join("\n")
                );
            }
        }
    }

    async fn agreed_leader(&mut self, not: Option<NodeId>) -> Option<NodeId> {
        let mut leader = None;
        let mut followers_agree = true;
        let mut keepers = BTreeSet::new();
        let mut peers = 0;
        for id in self.running() {
            let s = self.status(id).await?;
            match status::effective_mode(&s) {
                Mode::Leader | Mode::Standalone => {
                    if leader.replace(id).is_some() {
                        return None;
                    }
                }
                Mode::Follower => {
                    followers_agree &= s.leader_id.is_some();
                }
                Mode::Peer => {
                    peers += 1;
                    keepers.insert(s.session_keeper);
                }
                Mode::Looking => return None,
            }
        }
        if peers > 0 {
            // Leaderless (basic Paxos): every server is a peer; what stands
            // in for the leader is the session keeper they all agree on.
            let keeper = NodeId::try_from(keepers.pop_first()??).ok()?;
            let all = peers == self.running().len() && keepers.is_empty();
            return (all && not != Some(keeper) && self.running().contains(&keeper))
                .then_some(keeper);
        }
        let leader = leader?;
        if !followers_agree || not == Some(leader) {
            return None;
        }
        // Every follower names the same leader.
        for id in self.running() {
            if id == leader {
                continue;
            }
            let s = self.status(id).await?;
            if s.leader_id != Some(i64::try_from(leader).ok()?) {
                return None;
            }
        }
        Some(leader)
    }

    /// Waits until every running server has applied at least `zxid`.
    pub async fn wait_for_applied(&mut self, zxid: i64) {
        let ids = self.running();
        for id in ids {
            let endpoint = self.endpoint(id);
            wait_until(
                &format!("server.{id} applied {zxid:#x}"),
                ELECTION_TIMEOUT,
                || {
                    let endpoint = endpoint.clone();
                    async move {
                        let s = status::query(&endpoint).await.ok()?;
                        (s.last_zxid >= zxid).then_some(())
                    }
                },
            )
            .await;
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for (_, mut child) in std::mem::take(&mut self.children) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
