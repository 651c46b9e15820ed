//! The protocol registry: one enum, one factory. The only place in the
//! runtime that names a concrete protocol.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use protocols::multipaxos::MultiPaxos;
use protocols::{ClusterConfig, Core, Durable, NodeId, RecordOf};

use crate::codec;
use crate::config::TreeConfig;

use super::TICKS_PER_TICKTIME;
use super::driver::{DriverConfig, NodeDriver};
use super::handle::{Node, NodeHandle, NodeStatus, REQUEST_QUEUE};
use super::peer::{Inbound, PeerLink};
use super::shell::{Shell, now_ms};
use super::snapshot_transfer::Assembler;
use super::state_machine::{RestoreError, StateMachine};
use super::storage::{Storage, StorageError};

/// The protocols a node can run (`--protocol NAME`, zoo.cfg `protocol=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolName {
    MultiPaxos,
}

impl ProtocolName {
    pub const ALL: [ProtocolName; 1] = [ProtocolName::MultiPaxos];

    /// The name as `--protocol` spells it (the core's `NAME`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolName::MultiPaxos => MultiPaxos::NAME,
        }
    }
}

impl fmt::Display for ProtocolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protocol name no core answers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProtocol(pub String);

impl fmt::Display for UnknownProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = ProtocolName::ALL.iter().map(|p| p.as_str()).collect();
        write!(
            f,
            "unknown protocol {:?}; known: {}",
            self.0,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownProtocol {}

impl FromStr for ProtocolName {
    type Err = UnknownProtocol;
    fn from_str(s: &str) -> Result<ProtocolName, UnknownProtocol> {
        ProtocolName::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownProtocol(s.to_owned()))
    }
}

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
    Storage(StorageError),
    /// A log record or checkpoint that does not decode.
    CorruptLog(String),
    /// The saved snapshot is unusable.
    CorruptSnapshot(RestoreError),
    /// `id` is not among `members`.
    NotAMember(NodeId),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Storage(e) => write!(f, "{e}"),
            StartError::CorruptLog(e) => write!(f, "corrupt write-ahead log: {e}"),
            StartError::CorruptSnapshot(e) => write!(f, "corrupt snapshot: {e}"),
            StartError::NotAMember(id) => write!(f, "server {id} is not in the server list"),
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
    storage: impl Storage,
) -> Result<Node, StartError> {
    match protocol {
        ProtocolName::MultiPaxos => {
            start::<MultiPaxos>(config, Box::new(link), inbound, Box::new(storage)).await
        }
    }
}

async fn start<C: Core>(
    config: NodeConfig,
    link: Box<dyn PeerLink>,
    inbound: Inbound,
    mut storage: Box<dyn Storage>,
) -> Result<Node, StartError> {
    if !config.members.contains(&config.id) {
        return Err(StartError::NotAMember(config.id));
    }
    let (storage, loaded) = tokio::task::spawn_blocking(move || {
        let loaded = storage.load();
        (storage, loaded)
    })
    .await
    .map_err(|e| StartError::Storage(StorageError(format!("storage thread failed: {e}"))))?;
    let loaded = loaded.map_err(StartError::Storage)?;
    let mut durable: C::Durable = match &loaded.base {
        Some(base) => codec::decode(base).map_err(|e| StartError::CorruptLog(e.to_string()))?,
        None => C::Durable::default(),
    };
    for (i, bytes) in loaded.records.iter().enumerate() {
        let record: RecordOf<C> =
            codec::decode(bytes).map_err(|e| StartError::CorruptLog(format!("record {i}: {e}")))?;
        durable.apply(&record);
    }
    let sm = match &loaded.snapshot {
        Some(bytes) => StateMachine::restore(bytes, config.tree.clone())
            .map_err(StartError::CorruptSnapshot)?,
        None => StateMachine::new(config.tree.clone()),
    };
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
        follow_up: Vec::new(),
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
