//! The protocol registry: one enum ([`ProtocolName`], shared with zoo.cfg
//! and `--protocol`), one factory ([`start_node`]). The only place in the
//! runtime that names a concrete protocol: adding one is a match arm here
//! and flipping `ProtocolName::is_available`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use protocols::multipaxos::MultiPaxos;
use protocols::paxos::Paxos;
use protocols::zab::Zab;
use protocols::{ClusterConfig, Core, NodeId};

use crate::config::TreeConfig;
use crate::server_config::{ProtocolName, ServerConfig};

use super::TICKS_PER_TICKTIME;
use super::driver::{DriverConfig, NodeDriver};
use super::handle::{Node, NodeHandle, NodeStatus, REQUEST_QUEUE};
use super::peer::{Inbound, PeerLink};
use super::session_order::SessionOrder;
use super::shell::{Shell, now_ms};
use super::snapshot_transfer::Assembler;
use super::state_machine::StateMachine;
use super::storage::{Storage, StorageError, StorageSpec};

/// What a node needs to start, in zoo.cfg's units.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    pub id: NodeId,
    /// Every voting member, `id` included.
    pub members: BTreeSet<NodeId>,
    /// The tree's settings; its `tick_time_ms` is zoo.cfg's tickTime.
    pub tree: TreeConfig,
    /// zoo.cfg initLimit and syncLimit, in tickTimes.
    pub init_limit: u32,
    pub sync_limit: u32,
    /// Snapshot the tree every this many commits.
    pub snapshot_every: u64,
    /// Seed of the core's jitter.
    pub seed: u64,
}

impl NodeConfig {
    /// ZooKeeper's sample values: initLimit 10, syncLimit 5.
    pub fn new(id: NodeId, members: impl IntoIterator<Item = NodeId>, tree: TreeConfig) -> Self {
        NodeConfig {
            id,
            members: members.into_iter().collect(),
            tree,
            init_limit: 10,
            sync_limit: 5,
            snapshot_every: 10_000,
            seed: 0,
        }
    }

    /// The node part of a server's resolved zoo.cfg.
    pub fn from_server_config(cfg: &ServerConfig) -> NodeConfig {
        NodeConfig {
            id: cfg.my_id,
            members: cfg.members(),
            tree: cfg.tree_config(),
            init_limit: cfg.init_limit,
            sync_limit: cfg.sync_limit,
            snapshot_every: cfg.snap_count,
            seed: cfg.cluster_config(TICKS_PER_TICKTIME).seed,
        }
    }

    /// One core tick: tickTime / [`TICKS_PER_TICKTIME`].
    pub fn tick(&self) -> Duration {
        let tick_ms = u64::try_from(self.tree.tick_time_ms).unwrap_or(2000);
        Duration::from_micros(tick_ms * 1000 / u64::from(TICKS_PER_TICKTIME))
            .max(Duration::from_millis(1))
    }

    /// The core's configuration, limits converted to ticks; a heartbeat
    /// every tick.
    pub fn cluster(&self) -> ClusterConfig {
        ClusterConfig {
            members: self.members.clone(),
            heartbeat: 1,
            sync_limit: self.sync_limit.max(1).saturating_mul(TICKS_PER_TICKTIME),
            init_limit: self.init_limit.max(1).saturating_mul(TICKS_PER_TICKTIME),
            seed: self.seed,
        }
    }
}

/// Why a node did not start.
#[derive(Debug)]
pub enum StartError {
    /// The dataDir could not be locked or read, or its log or snapshots
    /// are corrupt (the message names the file).
    Storage(StorageError),
    /// `id` is not among `members`.
    NotAMember(NodeId),
    /// The protocol is reserved but has no core in this build.
    NotAvailable(ProtocolName),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Storage(e) => write!(f, "{e}"),
            StartError::NotAMember(id) => write!(f, "server {id} is not in the server list"),
            StartError::NotAvailable(p) => write!(f, "protocol {p} is not available yet"),
        }
    }
}

impl std::error::Error for StartError {}

/// Starts a node running `protocol`: recovers from `storage` (latest
/// snapshot + the log folded into the core's durable state), then spawns
/// its task on the current tokio runtime.
pub async fn start_node(
    protocol: ProtocolName,
    config: NodeConfig,
    link: impl PeerLink,
    inbound: Inbound,
    storage: StorageSpec,
) -> Result<Node, StartError> {
    match protocol {
        ProtocolName::MultiPaxos => {
            start::<MultiPaxos>(config, Box::new(link), inbound, storage).await
        }
        ProtocolName::Zab => start::<Zab>(config, Box::new(link), inbound, storage).await,
        ProtocolName::Paxos => start::<Paxos>(config, Box::new(link), inbound, storage).await,
    }
}

async fn start<C: Core>(
    config: NodeConfig,
    link: Box<dyn PeerLink>,
    inbound: Inbound,
    storage: StorageSpec,
) -> Result<Node, StartError> {
    if !config.members.contains(&config.id) {
        return Err(StartError::NotAMember(config.id));
    }
    let tree = config.tree.clone();
    let opened = tokio::task::spawn_blocking(move || {
        let mut storage: Box<dyn Storage<C::Durable>> = storage.open()?;
        let loaded = storage.load(&tree)?;
        Ok::<_, StorageError>((storage, loaded))
    })
    .await
    .map_err(|e| StartError::Storage(StorageError(format!("storage thread failed: {e}"))))?;
    let (storage, loaded) = opened.map_err(StartError::Storage)?;
    let durable = loaded.durable;
    let sm = loaded
        .state
        .unwrap_or_else(|| StateMachine::new(config.tree.clone()));
    let now = now_ms();
    let driver_config = DriverConfig {
        snapshot_every: config.snapshot_every.max(1),
        ..DriverConfig::new(config.id, config.tree.clone(), now)
    };
    let (driver, first) = NodeDriver::<C>::new(driver_config, config.cluster(), durable, sm, now);
    let members: Vec<NodeId> = config.members.iter().copied().collect();
    let initial = NodeStatus {
        id: config.id,
        protocol: C::NAME,
        role: driver.status().role,
        leader: driver.status().leader,
        epoch: driver.status().epoch,
        last_zxid: driver.state_machine().last_zxid(),
        members: members.clone(),
        snapshots_installed: 0,
        running: true,
        traffic: Default::default(),
        keeper: None,
    };
    let (status_tx, status_rx) = watch::channel(initial);
    let (requests_tx, requests_rx) = mpsc::channel(REQUEST_QUEUE);
    tracing::info!(
        node = config.id,
        protocol = C::NAME,
        applied = %driver.state_machine().last_zxid(),
        "node starting"
    );
    let shell = Shell {
        driver,
        protocol: C::NAME,
        members,
        link,
        inbound,
        storage: Some(storage),
        requests: requests_rx,
        status: status_tx,
        tick: config.tick(),
        timers: BTreeMap::new(),
        replies: BTreeMap::new(),
        next_ticket: 1,
        subscribers: BTreeMap::new(),
        assembler: Assembler::default(),
        order: SessionOrder::default(),
        follow_up: Vec::new(),
        traffic: Default::default(),
    };
    let task = tokio::spawn(shell.run(first));
    Ok(Node {
        handle: NodeHandle {
            requests: requests_tx,
            status: status_rx,
        },
        task,
    })
}
