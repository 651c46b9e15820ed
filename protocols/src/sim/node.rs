//! A simulated host around one core: what survives a crash (the durable
//! state folded from `Persist` records, and the last snapshot of the state
//! machine) and what does not (the core itself, its timers, the state
//! machine's commits after that snapshot).
//!
//! The state machine is the committed sequence itself. It lives in memory,
//! as the coordinator's znode tree does: a crash keeps only its last
//! snapshot (taken at `compact` or installed from a peer), and the restarted
//! core is told `applied` = that snapshot's last zxid. The core must then
//! commit again, from its own log or from its peers, everything after it.
//! That is how the real runtime restarts (snapshot + write-ahead log), and
//! it checks the core's recovery path, which treating the state machine as
//! durable would not.

use std::collections::BTreeMap;

use super::invariants::Entry;
use crate::contract::{Command, Core, Durable, Recovered};
use crate::types::{NodeId, Zxid};

#[derive(Clone, Debug)]
pub struct Host<C: Core> {
    pub id: NodeId,
    /// `None` while the node is down.
    core: Option<C>,
    durable: C::Durable,
    state_machine: Vec<Entry>,
    /// `state_machine[..snapshot_len]` is the durable snapshot.
    snapshot_len: usize,
    /// Each armed timer and the tick it fires at.
    timers: BTreeMap<C::Timer, u64>,
    /// Crash part-way through the next batch of actions.
    pub doomed: bool,
    /// Paused (handling nothing) until this tick.
    pub paused_until: u64,
}

impl<C: Core> Host<C> {
    /// A node that has never run.
    pub fn new(id: NodeId) -> Host<C> {
        Host {
            id,
            core: None,
            durable: C::Durable::default(),
            state_machine: Vec::new(),
            snapshot_len: 0,
            timers: BTreeMap::new(),
            doomed: false,
            paused_until: 0,
        }
    }

    pub fn is_up(&self) -> bool {
        self.core.is_some()
    }

    /// Up and not paused at tick `now`: it can handle an input.
    pub fn is_running(&self, now: u64) -> bool {
        self.is_up() && self.paused_until <= now
    }

    pub fn core_mut(&mut self) -> Option<&mut C> {
        self.core.as_mut()
    }

    /// What a (re)starting core is built from.
    pub fn recovered(&self) -> Recovered<C::Durable> {
        Recovered {
            durable: self.durable.clone(),
            applied: self.snapshot_at(),
        }
    }

    pub fn set_core(&mut self, core: C) {
        self.core = Some(core);
    }

    /// Loses everything but the durable state and the snapshot.
    pub fn crash(&mut self) {
        self.core = None;
        self.timers.clear();
        self.doomed = false;
        self.paused_until = 0;
        self.state_machine.truncate(self.snapshot_len);
    }

    pub fn persist(&mut self, record: &<C::Durable as Durable>::Record) {
        self.durable.apply(record);
    }

    pub fn apply(&mut self, zxid: Zxid, command: Command) {
        self.state_machine.push((zxid, command));
    }

    pub fn state_machine(&self) -> &[Entry] {
        &self.state_machine
    }

    pub fn last_applied(&self) -> Zxid {
        self.state_machine.last().map_or(Zxid::ZERO, |e| e.0)
    }

    fn snapshot_at(&self) -> Zxid {
        self.snapshot_len
            .checked_sub(1)
            .map_or(Zxid::ZERO, |i| self.state_machine[i].0)
    }

    /// Snapshots the state machine; the zxid to `compact` up to, if the
    /// snapshot moved.
    pub fn take_snapshot(&mut self) -> Option<Zxid> {
        if self.state_machine.len() == self.snapshot_len {
            return None;
        }
        self.snapshot_len = self.state_machine.len();
        Some(self.last_applied())
    }

    /// Replaces the state machine with a peer's snapshot if it is ahead of
    /// what this node holds; returns the zxid it ends at.
    pub fn install(&mut self, entries: &[Entry]) -> Option<Zxid> {
        let at = entries.last()?.0;
        if at <= self.last_applied() {
            return None;
        }
        self.state_machine = entries.to_vec();
        self.snapshot_len = self.state_machine.len();
        Some(at)
    }

    pub fn set_timer(&mut self, timer: C::Timer, fires_at: u64) {
        self.timers.insert(timer, fires_at);
    }

    pub fn cancel_timer(&mut self, timer: &C::Timer) {
        self.timers.remove(timer);
    }

    pub fn has_due_timer(&self, now: u64) -> bool {
        self.timers.values().any(|&at| at <= now)
    }

    /// Disarms and returns the earliest timer due at `now`.
    pub fn take_due_timer(&mut self, now: u64) -> Option<C::Timer> {
        let timer = self
            .timers
            .iter()
            .filter(|(_, at)| **at <= now)
            .min_by_key(|(_, at)| **at)
            .map(|(t, _)| t.clone())?;
        self.timers.remove(&timer);
        Some(timer)
    }
}
