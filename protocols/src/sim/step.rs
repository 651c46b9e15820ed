//! One step: an input fed to a core, and the host performing the batch of
//! actions it produced, in outbox order.

use super::invariants::{Entry, Observation};
use super::report::{Breach, Event};
use super::world::Sim;
use crate::contract::{Action, ActionOf, Command, Core, OutboxOf};
use crate::types::{NodeId, Zxid};

/// What travels between hosts: the cores' messages, and state-machine
/// snapshots. Snapshots take the same faulty network as messages (they
/// may arrive late, twice, or not at all): the coordinator streams them on
/// the same peer link, and the core must ask again if one is lost.
#[derive(Clone, Debug)]
pub(super) enum Payload<M> {
    Msg(M),
    Snapshot(Vec<Entry>),
}

pub(super) enum Input<C: Core> {
    Start,
    Propose(Command),
    Message(NodeId, C::Msg),
    Timer(C::Timer),
    Compact,
    Snapshot(NodeId, Vec<Entry>),
}

impl<C: Core> Sim<C> {
    /// Feeds one input to `node`'s core and performs what it asks for.
    pub(super) fn input(&mut self, node: NodeId, input: Input<C>) -> Result<(), Breach> {
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

    pub(super) fn crash(
        &mut self,
        node: NodeId,
        after_actions: Option<usize>,
    ) -> Result<(), Breach> {
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
}
