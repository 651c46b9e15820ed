//! What one simulated run looks like: cluster size and timing, how long the
//! fault phase lasts, how unreliable the network is, which faults happen,
//! how busy the clients are. [`SimConfig::randomized`] derives all of it
//! from the seed, so that a seed alone replays a run.

use super::dice::Dice;
use super::faults::FaultRates;
use super::network::NetworkFaults;
use crate::types::{ClusterConfig, NodeId, Ticks};

/// The simulated clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientLoad {
    /// Chance per tick of the fault phase that a new command is proposed.
    pub propose_permille: u32,
    /// A client gives a command up after this many rejections.
    pub max_attempts: u32,
    /// A rejected (or orphaned by a crash) command is retried after
    /// `retry_min..=retry_max` ticks.
    pub retry_min: u32,
    pub retry_max: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimConfig {
    pub seed: u64,
    /// Nodes 1..=`nodes`.
    pub nodes: u64,
    pub heartbeat: Ticks,
    pub sync_limit: Ticks,
    pub init_limit: Ticks,
    /// Ticks of faults and new proposals.
    pub fault_ticks: u64,
    /// The progress bound: ticks, after faults stop, within which every
    /// proposed command must be committed at every node.
    pub settle_ticks: u64,
    /// The network during the fault phase; afterwards it keeps its delays
    /// but neither drops nor duplicates.
    pub network: NetworkFaults,
    pub faults: FaultRates,
    pub clients: ClientLoad,
    /// Chance per tick that a live node snapshots its state machine and
    /// calls `compact(last applied)`.
    pub compact_permille: u32,
    /// Whether a crashed node keeps its whole state machine (restarting
    /// with `applied` = its last commit) rather than only its last snapshot
    /// (see `node.rs`).
    pub durable_state_machine: bool,
    /// How many recent events a violation shows.
    pub log_len: usize,
}

impl SimConfig {
    /// A run of `nodes` nodes with moderate faults of every kind.
    pub fn new(seed: u64, nodes: u64) -> SimConfig {
        SimConfig {
            seed,
            nodes,
            heartbeat: 2,
            sync_limit: 10,
            init_limit: 20,
            fault_ticks: 200,
            settle_ticks: 400,
            network: NetworkFaults {
                drop_permille: 50,
                dup_permille: 30,
                min_delay: 1,
                max_delay: 3,
                slow_permille: 5,
                slow_delay: 40,
            },
            faults: FaultRates {
                crash_permille: 8,
                crash_mid_batch_permille: 4,
                restart_permille: 40,
                cut_permille: 10,
                isolate_permille: 5,
                heal_permille: 30,
                pause_permille: 5,
                pause_max: 30,
            },
            clients: ClientLoad {
                propose_permille: 250,
                max_attempts: 20,
                retry_min: 2,
                retry_max: 10,
            },
            compact_permille: 15,
            durable_state_machine: false,
            log_len: 30,
        }
    }

    /// Everything drawn from the seed: 3 or 5 nodes, 100 to 400 ticks of
    /// faults, one run in four with durable state machines, and fault
    /// rates from
    /// none to heavy, so a sweep covers calm and hostile runs alike; one
    /// seed in four is a storm (several times the usual rates).
    pub fn randomized(seed: u64) -> SimConfig {
        let mut d = Dice::new(seed.rotate_left(17) ^ 0xc0f1_9000);
        let nodes = if d.chance(500) { 3 } else { 5 };
        let storm = if d.chance(250) { 3 } else { 1 };
        let mut c = SimConfig::new(seed, nodes);
        c.fault_ticks = u64::from(d.between(100, 400));
        c.network.drop_permille = d.between(0, 150) * storm;
        c.network.dup_permille = d.between(0, 100) * storm;
        c.network.max_delay = d.between(1, 4);
        c.network.slow_permille = d.between(0, 10) * storm;
        c.network.slow_delay = d.between(10, 60);
        c.faults.crash_permille = d.between(0, 20) * storm;
        c.faults.crash_mid_batch_permille = d.between(0, 10) * storm;
        c.faults.restart_permille = d.between(10, 80);
        c.faults.cut_permille = d.between(0, 30) * storm;
        c.faults.isolate_permille = d.between(0, 15) * storm;
        c.faults.heal_permille = d.between(10, 60);
        c.faults.pause_permille = d.between(0, 10) * storm;
        c.faults.pause_max = d.between(5, 40);
        c.clients.propose_permille = d.between(100, 500);
        c.compact_permille = d.between(0, 40) * storm;
        c.durable_state_machine = d.chance(250);
        c
    }

    /// The same run with a perfect network and no crashes or partitions.
    pub fn without_faults(mut self) -> SimConfig {
        self.network = NetworkFaults::reliable(self.network.min_delay, self.network.max_delay);
        self.faults = FaultRates::none();
        self
    }

    pub fn members(&self) -> Vec<NodeId> {
        (1..=self.nodes).collect()
    }

    /// The cluster configuration every core is built with.
    pub fn cluster(&self) -> ClusterConfig {
        let mut cluster = ClusterConfig::new(self.members());
        cluster.heartbeat = self.heartbeat;
        cluster.sync_limit = self.sync_limit;
        cluster.init_limit = self.init_limit;
        cluster.seed = self.seed;
        cluster
    }

    /// How many nodes may be down at once: a minority.
    pub fn max_down(&self) -> usize {
        ((self.nodes as usize).saturating_sub(1)) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn randomized_configs_replay_and_cover_both_cluster_sizes() {
        assert_eq!(SimConfig::randomized(11), SimConfig::randomized(11));
        let sizes: std::collections::BTreeSet<u64> =
            (0..50).map(|s| SimConfig::randomized(s).nodes).collect();
        assert_eq!(sizes, [3, 5].into());
        assert_eq!(SimConfig::new(0, 5).max_down(), 2);
        assert_eq!(SimConfig::new(0, 3).max_down(), 1);
    }
}
