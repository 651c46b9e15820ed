//! The simulation loop: one seed drives the network, the faults, the
//! clients and the interleaving of inputs; each input is one step, and the
//! invariants are checked as every action of the step is performed.

use std::collections::BTreeMap;

use super::clients::{Clients, command};
use super::config::SimConfig;
use super::dice::Dice;
use super::faults::{self, Fault};
use super::invariants::{Entry, Invariants, Observation, Settled};
use super::network::{Network, NetworkFaults};
use super::node::Host;
use super::report::{Breach, Event, EventLog, Invariant, RunStats, Violation};
use crate::contract::{Action, ActionOf, Command, Core, OutboxOf, Recovered};
use crate::types::{ClusterConfig, NodeId, Zxid};

/// Builds a core: `C::new`, or a deliberately broken variant that a test
/// wants to stay broken across restarts.
pub type Constructor<C> =
    fn(NodeId, ClusterConfig, Recovered<<C as Core>::Durable>, &mut OutboxOf<C>) -> C;

/// What travels between hosts: the cores' messages, and state-machine
/// snapshots. Snapshots take the same faulty network as messages (they
/// may arrive late, twice, or not at all): the coordinator streams them on
/// the same peer link, and the core must ask again if one is lost.
#[derive(Clone, Debug)]
enum Payload<M> {
    Msg(M),
    Snapshot(Vec<Entry>),
}

enum Input<C: Core> {
    Start,
    Propose(Command),
    Message(NodeId, C::Msg),
    Timer(C::Timer),
    Compact,
    Snapshot(NodeId, Vec<Entry>),
}

pub struct Sim<C: Core> {
    config: SimConfig,
    ctor: Constructor<C>,
    cluster: ClusterConfig,
    members: Vec<NodeId>,
    dice: Dice,
    now: u64,
    faults_on: bool,
    proposing: bool,
    hosts: BTreeMap<NodeId, Host<C>>,
    net: Network<Payload<C::Msg>>,
    clients: Clients,
    checks: Invariants,
    log: EventLog<C::Msg, C::Timer>,
    stats: RunStats,
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
            hosts: members.iter().map(|&id| (id, Host::new(id))).collect(),
            net: Network::new(members.iter().copied(), config.network.clone()),
            clients: Clients::new(config.clients.clone()),
            checks: Invariants::default(),
            log: EventLog::new(config.log_len),
            stats: RunStats::default(),
            members,
            config,
        }
    }

    /// Runs the fault phase, stops the faults, and lets the cluster settle.
    pub fn run(mut self) -> Result<RunStats, Violation> {
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
            self.clients.proposed_at(id, 0);
            self.clients.on_crash(0, self.now, &mut self.dice);
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

    /// Feeds one input to `node`'s core and performs what it asks for.
    fn input(&mut self, node: NodeId, input: Input<C>) -> Result<(), Breach> {
        let now = self.now;
        let mut out = OutboxOf::<C>::new();
        let Some(host) = self.hosts.get_mut(&node) else {
            return Ok(());
        };
        if host.is_up() == matches!(input, Input::Start) {
            return Ok(()); // start a live node, or feed a dead one: nothing
        }
        self.stats.steps += 1;
        match input {
            Input::Start => {
                let recovered = host.recovered();
                let applied = recovered.applied;
                self.log.record(now, Event::Restart { node, applied });
                let core = (self.ctor)(node, self.cluster.clone(), recovered, &mut out);
                host.set_core(core);
                self.checks.observe(Observation::Restarted {
                    node,
                    kept: host.state_machine(),
                })?;
            }
            Input::Propose(command) => {
                self.checks.observe(Observation::Proposed {
                    node,
                    command: &command,
                })?;
                self.log.record(
                    now,
                    Event::Propose {
                        node,
                        command: command.clone(),
                    },
                );
                if let Some(core) = host.core_mut() {
                    core.propose(command, &mut out);
                }
            }
            Input::Message(from, msg) => {
                self.log.record(
                    now,
                    Event::Deliver {
                        from,
                        to: node,
                        msg: msg.clone(),
                    },
                );
                if let Some(core) = host.core_mut() {
                    core.on_message(from, msg, &mut out);
                }
            }
            Input::Timer(timer) => {
                self.log.record(
                    now,
                    Event::Timer {
                        node,
                        timer: timer.clone(),
                    },
                );
                if let Some(core) = host.core_mut() {
                    core.on_timer(timer, &mut out);
                }
            }
            Input::Compact => {
                let Some(upto) = host.take_snapshot() else {
                    return Ok(());
                };
                self.stats.compactions += 1;
                self.log.record(now, Event::Compact { node, upto });
                if let Some(core) = host.core_mut() {
                    core.compact(upto, &mut out);
                }
            }
            Input::Snapshot(from, entries) => {
                let Some(at) = host.install(&entries) else {
                    let at = entries.last().map_or(Zxid::ZERO, |e| e.0);
                    let to = node;
                    self.log
                        .record(now, Event::IgnoreStaleSnapshot { from, to, at });
                    return Ok(());
                };
                self.stats.snapshots_installed += 1;
                self.log
                    .record(now, Event::DeliverSnapshot { from, to: node, at });
                self.checks.observe(Observation::SnapshotInstalled {
                    node,
                    from,
                    entries: host.state_machine(),
                })?;
                if let Some(core) = host.core_mut() {
                    core.snapshot_installed(at, &mut out);
                }
            }
        }
        let mut actions = out.take();
        let mut dies_after = None;
        if host.doomed {
            host.doomed = false;
            let down = self.hosts.values().filter(|h| !h.is_up()).count();
            if down < self.config.max_down() {
                let k = self.dice.below(actions.len() + 1);
                actions.truncate(k);
                dies_after = Some(k);
            }
        }
        self.perform(node, actions)?;
        if dies_after.is_some() {
            self.crash(node, dies_after)?;
        }
        Ok(())
    }

    /// Performs a batch in outbox order, which keeps the ordering contract:
    /// each `Persist` is durable (folded into the durable state) before the
    /// next action, so before any later `Send` leaves and before any later
    /// `Commit` is applied.
    fn perform(&mut self, node: NodeId, actions: Vec<ActionOf<C>>) -> Result<(), Breach> {
        let now = self.now;
        for action in actions {
            let Some(host) = self.hosts.get_mut(&node) else {
                return Ok(());
            };
            match action {
                Action::Persist(record) => host.persist(&record),
                Action::Send { to, msg } => {
                    self.net
                        .send(&mut self.dice, now, node, to, Payload::Msg(msg));
                }
                Action::Commit { zxid, command } => {
                    self.stats.commits += 1;
                    self.clients.on_commit(&command);
                    self.checks.observe(Observation::Commit {
                        node,
                        zxid,
                        command: &command,
                    })?;
                    host.apply(zxid, command.clone());
                    self.log.record(
                        now,
                        Event::Commit {
                            node,
                            zxid,
                            command,
                        },
                    );
                }
                Action::SetTimer { timer, after } => {
                    // A zero delay still waits for the next tick, so that
                    // a tick always ends.
                    host.set_timer(timer, now + u64::from(after.max(1)));
                }
                Action::CancelTimer(timer) => host.cancel_timer(&timer),
                Action::SendSnapshot { to } => {
                    let snapshot = Payload::Snapshot(host.state_machine().to_vec());
                    self.net.send(&mut self.dice, now, node, to, snapshot);
                }
                Action::StatusChanged(_) => {}
                Action::Rejected { command, reason } => {
                    self.clients
                        .on_rejected(&command, node, now, &mut self.dice);
                    self.log.record(
                        now,
                        Event::Rejected {
                            node,
                            command,
                            reason,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    fn crash(&mut self, node: NodeId, after_actions: Option<usize>) -> Result<(), Breach> {
        let Some(host) = self.hosts.get_mut(&node) else {
            return Ok(());
        };
        if !host.is_up() {
            return Ok(());
        }
        host.crash();
        self.stats.crashes += 1;
        if after_actions.is_some() {
            self.stats.crashes_mid_batch += 1;
        }
        self.log.record(
            self.now,
            Event::Crash {
                node,
                after_actions,
            },
        );
        self.clients.on_crash(node, self.now, &mut self.dice);
        self.checks.observe(Observation::Crashed { node })
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
