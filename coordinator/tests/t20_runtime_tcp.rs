//! The runtime on real TCP (127.0.0.1, ports chosen by the OS) with dataDirs
//! on disk: what a server process does, minus the process.

mod t20_runtime_cluster;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use coordinator::net::{Limits, Listen};
use coordinator::runtime::{
    NodeConfig, NodeHandle, PeerSetup, ProtocolName, RequestError, ServerError, StartError,
    StorageSpec, TcpNode, start_tcp_node,
};
use coordinator::{Command, CreateMode, CreateRequest, ErrorCode, Op, OpResult};
use protocols::{NodeId, Role};
use tokio::net::TcpListener;

use t20_runtime_cluster::{Cluster, wait_until};

struct TcpCluster {
    protocol: ProtocolName,
    dirs: tempfile::TempDir,
    addrs: BTreeMap<NodeId, SocketAddr>,
    nodes: BTreeMap<NodeId, TcpNode>,
}

fn limits() -> Limits {
    Limits {
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        ..Limits::default()
    }
}

impl TcpCluster {
    async fn start(protocol: ProtocolName) -> TcpCluster {
        let mut listeners = BTreeMap::new();
        for id in 1..=3 {
            let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            listeners.insert(id, l);
        }
        let addrs = listeners
            .iter()
            .map(|(&id, l)| (id, l.local_addr().expect("addr")))
            .collect();
        let mut c = TcpCluster {
            protocol,
            dirs: tempfile::tempdir().expect("tempdir"),
            addrs,
            nodes: BTreeMap::new(),
        };
        for (id, l) in listeners {
            c.boot(id, Listen::Bound(l)).await.expect("starts");
        }
        c
    }

    async fn boot(&mut self, id: NodeId, listen: Listen) -> Result<(), ServerError> {
        let mut config = NodeConfig::new(id, self.addrs.keys().copied(), Cluster::tree_config());
        config.snapshot_every = 8;
        let setup = PeerSetup {
            cluster_id: "t20".into(),
            listen,
            peers: self.addrs.clone(),
            limits: limits(),
        };
        let dir = StorageSpec::DataDir(self.dirs.path().join(format!("node{id}")));
        let node = start_tcp_node(self.protocol, config, setup, dir).await?;
        self.nodes.insert(id, node);
        Ok(())
    }

    /// Restarts node `id` on its port and dataDir. Until the killed
    /// incarnation's aborted tasks are dropped it still holds the dataDir
    /// lock and the port (as a dying process would), so those refusals
    /// are retried.
    async fn restart(&mut self, id: NodeId) {
        let addr = self.addrs[&id];
        let deadline = tokio::time::Instant::now() + t20_runtime_cluster::PATIENCE;
        loop {
            match self.boot(id, Listen::Addr(addr)).await {
                Ok(()) => return,
                Err(ServerError::Node(StartError::Storage(_)) | ServerError::Transport(_))
                    if tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("node {id} does not restart: {e}"),
            }
        }
    }

    fn kill(&mut self, id: NodeId) {
        if let Some(n) = self.nodes.remove(&id) {
            n.kill();
        }
    }

    fn handle(&self, id: NodeId) -> NodeHandle {
        self.nodes[&id].handle()
    }

    async fn leader(&self) -> NodeId {
        wait_until("the running nodes agree on a leader", || async {
            let s: Vec<_> = self.nodes.values().map(|n| n.handle().status()).collect();
            if !s.is_empty() && s.iter().all(|s| s.role == Role::Peer) {
                // Leaderless (basic Paxos): the session keeper all agree on.
                let keeper = s.first()?.keeper?;
                let running = self.nodes.contains_key(&keeper);
                return (running && s.iter().all(|s| s.keeper == Some(keeper))).then_some(keeper);
            }
            let leader = s.iter().find(|s| s.role == Role::Leader)?.id;
            s.iter().all(|s| s.leader == Some(leader)).then_some(leader)
        })
        .await
    }

    async fn stop(self) {
        for (_, n) in self.nodes {
            n.stop().await.expect("clean stop");
        }
    }
}

fn create(path: &str, data: &str, mode: CreateMode) -> Command {
    Command::new(Op::Create(CreateRequest::new(
        path,
        Some(data.as_bytes().to_vec()),
        mode,
    )))
}

async fn put(node: &NodeHandle, path: &str, data: &str) {
    let r = node
        .submit(create(path, data, CreateMode::Persistent))
        .await;
    assert!(
        matches!(r, Ok(OpResult::Created { .. })),
        "create {path}: {r:?}"
    );
}

async fn has(node: &NodeHandle, path: &str) -> bool {
    match node.exists(0, path, false).await {
        Ok(_) => true,
        Err(RequestError::Op(ErrorCode::NoNode)) => false,
        Err(e) => panic!("exists {path}: {e}"),
    }
}

async fn wait_has(node: &NodeHandle, path: &str, present: bool) {
    let what = format!("{path} present={present} on node {}", node.status().id);
    wait_until(&what, || async {
        (has(node, path).await == present).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tcp_cluster_replicates_and_every_node_recovers_from_its_data_dir() {
    for protocol in ProtocolName::available() {
        let mut c = TcpCluster::start(protocol).await;
        c.leader().await;
        for i in 0..30u64 {
            put(&c.handle(1 + i % 3), &format!("/d{i}"), "x").await;
        }
        for id in 1..=3 {
            wait_has(&c.handle(id), "/d29", true).await;
        }
        for id in 1..=3 {
            c.kill(id);
        }
        for id in 1..=3 {
            c.restart(id).await;
        }
        c.leader().await;
        for id in 1..=3 {
            for i in 0..30 {
                wait_has(&c.handle(id), &format!("/d{i}"), true).await;
            }
        }
        put(&c.handle(2), "/after", "y").await;
        c.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_leader_dies_writes_resume_and_it_catches_up_when_back() {
    for protocol in ProtocolName::available() {
        let mut c = TcpCluster::start(protocol).await;
        let old = c.leader().await;
        put(&c.handle(old), "/before", "x").await;
        c.kill(old);
        let new = c.leader().await;
        assert_ne!(new, old);
        for i in 0..20 {
            put(&c.handle(new), &format!("/later{i}"), "x").await;
        }
        c.restart(old).await;
        wait_has(&c.handle(old), "/later19", true).await;
        assert!(has(&c.handle(old), "/before").await);
        c.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_whose_server_died_expires_and_its_ephemeral_goes() {
    for protocol in ProtocolName::available() {
        let mut c = TcpCluster::start(protocol).await;
        let leader = c.leader().await;
        let follower = (1..=3).find(|&id| id != leader).expect("a follower");
        let f = c.handle(follower);
        let (session, _, _) = f.create_session(400).await.expect("session");
        let eph = create("/owned", "e", CreateMode::Ephemeral).with_session(session);
        f.submit(eph).await.expect("ephemeral");
        // Alive while its server reports it (several timeouts long).
        let mut ping = tokio::time::interval(Duration::from_millis(50));
        for _ in 0..20 {
            ping.tick().await;
            f.touch(session).await.expect("touch");
        }
        assert!(has(&c.handle(leader), "/owned").await);
        c.kill(follower);
        wait_has(&c.handle(leader), "/owned", false).await;
        let again = create("/again", "e", CreateMode::Ephemeral).with_session(session);
        assert_eq!(
            c.handle(leader).submit(again).await,
            Err(RequestError::Op(ErrorCode::SessionExpired))
        );
        c.stop().await;
    }
}
