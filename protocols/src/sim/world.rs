//! The simulation loop: one seed drives the network, the faults, the
//! clients and the interleaving of inputs; each input is one step, and the
//! invariants are checked as every action of the step is performed.

use std::collections::BTreeMap;

use super::clients::{Clients, command};
use super::config::SimConfig;
use super::dice::Dice;
use super::faults::{self, Fault};
use super::invariants::{Entry, Invariants, Settled};
use super::network::{Network, NetworkFaults};
use super::node::Host;
use super::report::{Breach, Event, EventLog, Invariant, RunStats, Violation};
use super::step::{Input, Payload};
use crate::contract::{Core, OutboxOf, Recovered};
use crate::types::{ClusterConfig, NodeId};

/// Builds a core: `C::new`, or a deliberately broken variant that a test
/// wants to stay broken across restarts.
pub type Constructor<C> =
    fn(NodeId, ClusterConfig, Recovered<<C as Core>::Durable>, &mut OutboxOf<C>) -> C;

pub struct Sim<C: Core> {
    pub(super) config: SimConfig,
    pub(super) ctor: Constructor<C>,
    pub(super) cluster: ClusterConfig,
    pub(super) members: Vec<NodeId>,
    pub(super) dice: Dice,
    pub(super) now: u64,
    pub(super) faults_on: bool,
    pub(super) proposing: bool,
    pub(super) hosts: BTreeMap<NodeId, Host<C>>,
    pub(super) net: Network<Payload<C::Msg>>,
    pub(super) clients: Clients,
    pub(super) checks: Invariants,
    pub(super) log: EventLog<C::Msg, C::Timer>,
    pub(super) stats: RunStats,
}

impl<C: Core> Sim<C> {
    pub fn new(config: SimConfig) -> Sim<C> {
        Sim::with_constructor(config, C::new)
    }

    pub fn with_constructor(config: SimConfig, ctor: Constructor<C>) -> Sim<C> {
        let members = config.members();
        Sim {
            ctor,
            cluster: config.cluster(),
            dice: Dice::new(config.seed),
            now: 0,
            faults_on: true,
            proposing: true,
            hosts: members
                .iter()
                .map(|&id| (id, Host::new(id, config.durable_state_machine)))
                .collect(),
            net: Network::new(members.iter().copied(), config.network.clone()),
            clients: Clients::new(config.clients.clone()),
            checks: Invariants::default(),
            log: EventLog::new(config.log_len),
            stats: RunStats::default(),
            members,
            config,
        }
    }

    /// Like [`Sim::run`], also returning the last `log_len` events of the
    /// schedule (to read what a run that broke nothing did).
    pub fn run_traced(self) -> (Result<RunStats, Violation>, Vec<String>) {
        let mut sim = self;
        let result = sim.run_mut();
        (result, sim.log.render())
    }

    /// Runs the fault phase, stops the faults, and lets the cluster settle.
    pub fn run(mut self) -> Result<RunStats, Violation> {
        self.run_mut()
    }

    fn run_mut(&mut self) -> Result<RunStats, Violation> {
        match self.run_phases() {
            Ok(()) => Ok(self.finish_stats()),
            Err(breach) => Err(Violation {
                seed: self.config.seed,
                protocol: C::NAME,
                invariant: breach.invariant,
                detail: breach.detail,
                tick: self.now,
                step: self.stats.steps,
                recent: self.log.render(),
            }),
        }
    }

    fn run_phases(&mut self) -> Result<(), Breach> {
        for id in self.members.clone() {
            self.input(id, Input::Start)?;
        }
        while self.now < self.config.fault_ticks {
            self.tick()?;
        }
        self.stop_faults()?;
        let start = self.now;
        loop {
            self.tick()?;
            if self.looks_settled() && self.check_settled().is_ok() {
                self.stats.settle_ticks = self.now - start;
                return Ok(());
            }
            if self.now - start >= self.config.settle_ticks {
                self.check_settled()?;
                return Err(Breach::new(
                    Invariant::Progress,
                    format!(
                        "the cluster did not settle within {} ticks of quiet",
                        self.config.settle_ticks
                    ),
                ));
            }
        }
    }

    fn finish_stats(&mut self) -> RunStats {
        self.stats.ticks = self.now;
        self.stats.chosen = self.checks.chosen() as u64;
        self.stats.ordered_twice = self.checks.ordered_twice() as u64;
        self.stats.proposals = self.clients.proposed();
        self.stats.rejections = self.clients.rejections;
        self.stats.abandoned = self.clients.abandoned();
        self.stats.net = self.net.stats();
        self.stats
    }

    fn up(&self) -> Vec<NodeId> {
        self.hosts
            .values()
            .filter(|h| h.is_up())
            .map(|h| h.id)
            .collect()
    }

    /// Up and not paused: the nodes that can handle an input now.
    fn running(&self) -> Vec<NodeId> {
        let now = self.now;
        let running = self.hosts.values().filter(|h| h.is_running(now));
        running.map(|h| h.id).collect()
    }

    fn down(&self) -> Vec<NodeId> {
        self.hosts
            .values()
            .filter(|h| !h.is_up())
            .map(|h| h.id)
            .collect()
    }

    /// Heals the network, restarts every crashed node, makes the network
    /// reliable (still reordering) and stops new proposals.
    fn stop_faults(&mut self) -> Result<(), Breach> {
        self.faults_on = false;
        self.proposing = false;
        self.net.heal();
        let delays = &self.config.network;
        self.net
            .set_faults(NetworkFaults::reliable(delays.min_delay, delays.max_delay));
        self.log.record(self.now, Event::FaultsStopped);
        for h in self.hosts.values_mut() {
            h.doomed = false;
            h.paused_until = 0;
        }
        for id in self.down() {
            self.input(id, Input::Start)?;
        }
        Ok(())
    }

    fn tick(&mut self) -> Result<(), Breach> {
        if self.faults_on {
            self.inject_faults()?;
        }
        for id in self.running() {
            if self.dice.chance(self.config.compact_permille) {
                self.input(id, Input::Compact)?;
            }
        }
        self.drive_clients()?;
        self.deliver_due()?;
        self.now += 1;
        Ok(())
    }

    fn inject_faults(&mut self) -> Result<(), Breach> {
        let (up, down) = (self.up(), self.down());
        let planned = faults::plan(
            &self.config.faults,
            &mut self.dice,
            &up,
            &down,
            self.config.max_down(),
        );
        for fault in planned {
            match fault {
                Fault::Crash(n) => self.crash(n, None)?,
                Fault::CrashMidBatch(n) => {
                    if let Some(h) = self.hosts.get_mut(&n) {
                        h.doomed = true;
                    }
                }
                Fault::Restart(n) => self.input(n, Input::Start)?,
                Fault::Cut(a, b) => {
                    self.stats.partitions += 1;
                    self.net.cut(a, b);
                    self.log.record(self.now, Event::Cut { a, b });
                }
                Fault::Isolate(node) => {
                    self.stats.partitions += 1;
                    self.net.isolate(node);
                    self.log.record(self.now, Event::Isolate { node });
                }
                Fault::Heal => {
                    self.net.heal();
                    self.log.record(self.now, Event::Heal);
                }
                Fault::Pause(node, ticks) => {
                    if let Some(h) = self.hosts.get_mut(&node) {
                        self.stats.pauses += 1;
                        h.paused_until = self.now + u64::from(ticks);
                        self.log.record(self.now, Event::Pause { node, ticks });
                    }
                }
            }
        }
        Ok(())
    }

    fn drive_clients(&mut self) -> Result<(), Breach> {
        if self.proposing && self.dice.chance(self.clients.load().propose_permille) {
            let id = self.clients.new_command();
            self.propose(id, None)?;
        }
        for (id, avoid) in self.clients.due_retries(self.now) {
            self.propose(id, avoid)?;
        }
        Ok(())
    }

    /// Sends command `id` to a random live node other than `avoid` (if
    /// there is one). Who is live is asked anew each time: the previous
    /// proposal may have crashed its node part-way through its batch.
    fn propose(&mut self, id: u64, avoid: Option<NodeId>) -> Result<(), Breach> {
        let up = self.running();
        let others: Vec<NodeId> = up.iter().copied().filter(|&n| Some(n) != avoid).collect();
        let Some(node) = self.dice.pick(&others).or_else(|| self.dice.pick(&up)) else {
            // Nobody to talk to: the client tries again later.
            self.clients.postpone(id, self.now, &mut self.dice);
            return Ok(());
        };
        self.clients.proposed_at(id, node);
        self.input(node, Input::Propose(command(id)))
    }

    /// Everything due this tick, timers and messages interleaved at random.
    fn deliver_due(&mut self) -> Result<(), Breach> {
        loop {
            let timers: Vec<NodeId> = self
                .hosts
                .values()
                .filter(|h| h.is_running(self.now) && h.has_due_timer(self.now))
                .map(|h| h.id)
                .collect();
            let message_due = self.net.has_due(self.now);
            let choices = timers.len() + usize::from(message_due);
            if choices == 0 {
                return Ok(());
            }
            let k = self.dice.below(choices);
            if let Some(&node) = timers.get(k) {
                let timer = self
                    .hosts
                    .get_mut(&node)
                    .and_then(|h| h.take_due_timer(self.now));
                if let Some(timer) = timer {
                    self.input(node, Input::Timer(timer))?;
                }
                continue;
            }
            let Some(envelope) = self.net.next_due(self.now) else {
                continue; // every due message was lost to a partition
            };
            let Some(to) = self.hosts.get(&envelope.to).filter(|h| h.is_up()) else {
                continue; // nobody listens on a crashed node's port
            };
            if to.paused_until > self.now {
                let at = to.paused_until;
                self.net.hold_until(&mut self.dice, at, envelope);
                continue;
            }
            let input = match envelope.payload {
                Payload::Msg(msg) => Input::Message(envelope.from, msg),
                Payload::Snapshot(entries) => Input::Snapshot(envelope.from, entries),
            };
            self.input(envelope.to, input)?;
        }
    }

    /// A cheap test before the full settled check: clients wait for nothing
    /// and every node holds the same number of entries.
    fn looks_settled(&self) -> bool {
        let mut lens = self.hosts.values().map(|h| h.state_machine().len());
        let first = lens.next();
        self.clients.idle() && self.down().is_empty() && lens.all(|l| Some(l) == first)
    }

    fn check_settled(&self) -> Result<(), Breach> {
        let nodes: Vec<(NodeId, &[Entry])> = self
            .hosts
            .values()
            .filter(|h| h.is_up())
            .map(|h| (h.id, h.state_machine()))
            .collect();
        let expected = self.clients.expected();
        self.checks.settled(Settled {
            nodes: &nodes,
            expected: &expected,
        })
    }
}
