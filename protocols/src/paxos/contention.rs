//! The livelock's cost, measured: how many phase-1 rounds basic Paxos
//! spends per decided slot as the number of concurrent proposers grows,
//! with and without the randomized backoff.
//!
//! A small deterministic driver (not the fault simulator): `nodes` nodes,
//! the first `proposers` of which always have one client command waiting
//! (a new one is proposed as soon as the previous one commits), a network
//! that delays every message by a seeded random `1..=max_delay` ticks and
//! loses nothing. It runs until node 1 has committed `slots` slots, or for
//! at most `max_ticks`. Run it with
//! `cargo run -p protocols --example paxos_contention`.

use std::collections::BTreeMap;

use super::{Msg, Paxos, PaxosOptions, Timer};
use crate::contract::{Action, Core, Outbox, Recovered};
use crate::rng::SplitMix64;
use crate::types::{ClusterConfig, NodeId};

/// One measurement's setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contention {
    pub nodes: u64,
    pub proposers: u64,
    pub backoff: bool,
    pub seed: u64,
    /// Stop once node 1 has committed this many slots.
    pub slots: u32,
    /// ... or after this many ticks.
    pub max_ticks: u64,
    pub max_delay: u32,
}

impl Contention {
    /// Five nodes, messages taking 1 to 3 ticks, a heartbeat of 2 ticks
    /// (as in the simulator), 40 slots or 4,000 ticks.
    pub fn new(proposers: u64, backoff: bool, seed: u64) -> Contention {
        Contention {
            nodes: 5,
            proposers,
            backoff,
            seed,
            slots: 40,
            max_ticks: 4_000,
            max_delay: 3,
        }
    }
}

/// What one measurement saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Phase-1 attempts started by every node together.
    pub attempts: u64,
    pub preemptions: u64,
    /// Slots committed at node 1.
    pub decided: u64,
    pub ticks: u64,
}

impl Cost {
    /// Phase-1 rounds per decided slot (infinite if nothing was decided).
    pub fn rounds_per_slot(&self) -> f64 {
        if self.decided == 0 {
            return f64::INFINITY;
        }
        self.attempts as f64 / self.decided as f64
    }

    pub fn add(&mut self, other: &Cost) {
        self.attempts += other.attempts;
        self.preemptions += other.preemptions;
        self.decided += other.decided;
        self.ticks += other.ticks;
    }
}

type Ob = Outbox<Msg, Timer, super::Record>;

struct Driver {
    nodes: BTreeMap<NodeId, Paxos>,
    /// Messages by (delivery tick, sequence number).
    in_flight: BTreeMap<(u64, u64), (NodeId, NodeId, Msg)>,
    timers: BTreeMap<(NodeId, Timer), u64>,
    rng: SplitMix64,
    now: u64,
    seq: u64,
    max_delay: u32,
    next_command: u64,
}

impl Driver {
    fn perform(&mut self, node: NodeId, out: &mut Ob) {
        for action in out.drain() {
            match action {
                Action::Send { to, msg } => {
                    let at = self.now + u64::from(self.rng.between(1, self.max_delay));
                    self.seq += 1;
                    self.in_flight.insert((at, self.seq), (node, to, msg));
                }
                Action::SetTimer { timer, after } => {
                    self.timers
                        .insert((node, timer), self.now + u64::from(after.max(1)));
                }
                Action::CancelTimer(timer) => {
                    self.timers.remove(&(node, timer));
                }
                _ => {}
            }
        }
    }

    fn input(&mut self, node: NodeId, f: impl FnOnce(&mut Paxos, &mut Ob)) {
        let mut out = Ob::new();
        if let Some(core) = self.nodes.get_mut(&node) {
            f(core, &mut out);
        }
        self.perform(node, &mut out);
    }

    /// Each proposer keeps one command waiting.
    fn feed(&mut self, proposers: u64) {
        for node in 1..=proposers {
            if self
                .nodes
                .get(&node)
                .is_some_and(|n| n.pending().is_empty())
            {
                self.next_command += 1;
                let command = self.next_command.to_be_bytes().to_vec();
                self.input(node, |n, o| n.propose(command, o));
            }
        }
    }

    fn step(&mut self) {
        self.now += 1;
        let due: Vec<(NodeId, Timer)> = self
            .timers
            .iter()
            .filter(|(_, at)| **at <= self.now)
            .map(|(k, _)| *k)
            .collect();
        for (node, timer) in due {
            self.timers.remove(&(node, timer));
            self.input(node, |n, o| n.on_timer(timer, o));
        }
        while let Some(entry) = self.in_flight.first_entry() {
            if entry.key().0 > self.now {
                break;
            }
            let (from, to, msg) = entry.remove();
            self.input(to, |n, o| n.on_message(from, msg, o));
        }
    }
}

/// Runs one measurement.
pub fn measure(setting: Contention) -> Cost {
    let mut config = ClusterConfig::new(1..=setting.nodes);
    config.heartbeat = 2;
    config.sync_limit = 10;
    config.seed = setting.seed;
    let options = PaxosOptions {
        backoff: setting.backoff,
        bug: None,
    };
    let mut driver = Driver {
        nodes: BTreeMap::new(),
        in_flight: BTreeMap::new(),
        timers: BTreeMap::new(),
        rng: SplitMix64::new(setting.seed ^ 0x5eed),
        now: 0,
        seq: 0,
        max_delay: setting.max_delay.max(1),
        next_command: 0,
    };
    for id in 1..=setting.nodes {
        let mut out = Ob::new();
        let core = Paxos::new_with(id, config.clone(), Recovered::fresh(), options, &mut out);
        driver.nodes.insert(id, core);
        driver.perform(id, &mut out);
    }
    let committed = |d: &Driver| d.nodes.get(&1).map_or(0, Paxos::committed);
    while committed(&driver) < setting.slots && driver.now < setting.max_ticks {
        driver.feed(setting.proposers);
        driver.step();
    }
    let mut cost = Cost {
        decided: u64::from(committed(&driver)),
        ticks: driver.now,
        ..Cost::default()
    };
    for node in driver.nodes.values() {
        let stats = node.stats();
        cost.attempts += u64::from(stats.attempts);
        cost.preemptions += u64::from(stats.preemptions);
    }
    cost
}

/// The sum of `seeds` measurements of `proposers` proposers.
pub fn measure_seeds(proposers: u64, backoff: bool, seeds: impl Iterator<Item = u64>) -> Cost {
    let mut total = Cost::default();
    for seed in seeds {
        total.add(&measure(Contention::new(proposers, backoff, seed)));
    }
    total
}
