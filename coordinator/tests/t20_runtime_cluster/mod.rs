//! A cluster of runtime nodes in one test process (in-memory peer links and
//! storage), and `wait_until`, which polls a condition instead of sleeping.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use coordinator::TreeConfig;
use coordinator::runtime::{
    MemNet, MemStorage, Node, NodeConfig, NodeHandle, NodeStatus, ProtocolName, StorageSpec,
    start_node,
};
use protocols::{NodeId, Role};

/// tickTime of the test clusters: a core tick is 10 ms, an election takes
/// under a second, the shortest session timeout is 200 ms.
pub const TICK_TIME_MS: i32 = 100;

/// How long any condition may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Polls `check` every 10 ms until it yields a value; panics with `what`
/// after [`PATIENCE`].
pub async fn wait_until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out waiting until {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub struct Cluster {
    pub protocol: ProtocolName,
    pub net: MemNet,
    pub ids: Vec<NodeId>,
    pub stores: BTreeMap<NodeId, MemStorage>,
    pub nodes: BTreeMap<NodeId, Node>,
    pub snapshot_every: u64,
}

impl Cluster {
    pub async fn start(protocol: ProtocolName, n: u64) -> Cluster {
        Cluster::start_with(protocol, n, 10_000).await
    }

    pub async fn start_with(protocol: ProtocolName, n: u64, snapshot_every: u64) -> Cluster {
        Cluster::start_on(protocol, n, snapshot_every, MemNet::new(), MemStorage::new).await
    }

    /// A cluster on `net`, each node's store made by `store`.
    pub async fn start_on(
        protocol: ProtocolName,
        n: u64,
        snapshot_every: u64,
        net: MemNet,
        store: impl Fn() -> MemStorage,
    ) -> Cluster {
        let ids: Vec<NodeId> = (1..=n).collect();
        let mut c = Cluster {
            protocol,
            net,
            stores: ids.iter().map(|&id| (id, store())).collect(),
            ids: ids.clone(),
            nodes: BTreeMap::new(),
            snapshot_every,
        };
        for id in ids {
            c.boot(id).await;
        }
        c
    }

    pub fn tree_config() -> TreeConfig {
        TreeConfig {
            tick_time_ms: TICK_TIME_MS,
            ..TreeConfig::default()
        }
    }

    /// Starts (or restarts) node `id` on its store.
    pub async fn boot(&mut self, id: NodeId) {
        let mut config = NodeConfig::new(id, self.ids.clone(), Cluster::tree_config());
        config.snapshot_every = self.snapshot_every;
        config.seed = 7;
        let (link, inbound) = self.net.join(id);
        let store = self.stores[&id].clone();
        let node = start_node(
            self.protocol,
            config,
            link,
            inbound,
            StorageSpec::Memory(store),
        )
        .await
        .expect("node starts");
        self.nodes.insert(id, node);
    }

    /// Aborts node `id`'s task, as kill -9 would: what it fsynced stays.
    pub fn kill(&mut self, id: NodeId) {
        if let Some(node) = self.nodes.remove(&id) {
            node.kill();
        }
    }

    pub fn handle(&self, id: NodeId) -> NodeHandle {
        self.nodes[&id].handle.clone()
    }

    pub fn statuses(&self) -> Vec<NodeStatus> {
        self.nodes.values().map(|n| n.handle.status()).collect()
    }

    /// Waits until the running nodes agree on one leader; returns it. In a
    /// leaderless cluster (basic Paxos) every node is a peer: waits until
    /// all name the same running session keeper, and returns that.
    pub async fn leader(&self) -> NodeId {
        wait_until("the running nodes agree on a leader", || async {
            let s = self.statuses();
            if !s.is_empty() && s.iter().all(|s| s.role == Role::Peer && s.running) {
                let keeper = s.first()?.keeper?;
                let running = s.iter().any(|s| s.id == keeper);
                return (running && s.iter().all(|s| s.keeper == Some(keeper))).then_some(keeper);
            }
            let leader = s.iter().find(|s| s.role == Role::Leader)?.id;
            s.iter()
                .all(|s| s.leader == Some(leader) && s.running)
                .then_some(leader)
        })
        .await
    }

    pub async fn stop_all(self) {
        for (_, node) in self.nodes {
            node.kill();
        }
    }
}
