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
//! durable would not. A host built with `durable_state_machine` keeps its
//! whole state machine across a crash instead (a store that applies
//! commits durably, as an embedded database would) and restarts with
//! `applied` = its last commit; the simulator draws it for some seeds so
//! both restart paths are exercised.

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
    /// The state machine survives a crash whole, not just its snapshot.
    durable_state_machine: bool,
}

impl<C: Core> Host<C> {
    /// A node that has never run.
    pub fn new(id: NodeId, durable_state_machine: bool) -> Host<C> {
        Host {
            id,
            core: None,
            durable: C::Durable::default(),
            state_machine: Vec::new(),
            snapshot_len: 0,
            timers: BTreeMap::new(),
            doomed: false,
            paused_until: 0,
            durable_state_machine,
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
        if self.durable_state_machine {
            self.snapshot_len = self.state_machine.len();
        }
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

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::contract::OutboxOf;
    use crate::types::{ClusterConfig, Role, Status};

    /// Durable state that records every record it was given.
    #[derive(
        Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
    )]
    struct Records(Vec<u8>);

    impl Durable for Records {
        type Record = u8;
        fn apply(&mut self, record: &u8) {
            self.0.push(*record);
        }
    }

    /// A core that does nothing: the host is what is under test.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    struct Inert(NodeId);

    impl Core for Inert {
        type Msg = ();
        type Timer = u8;
        type Durable = Records;
        const NAME: &'static str = "inert";
        fn new(
            id: NodeId,
            _: ClusterConfig,
            _: Recovered<Records>,
            _: &mut OutboxOf<Self>,
        ) -> Self {
            Inert(id)
        }
        fn propose(&mut self, _: Command, _: &mut OutboxOf<Self>) {}
        fn on_message(&mut self, _: NodeId, _: (), _: &mut OutboxOf<Self>) {}
        fn on_timer(&mut self, _: u8, _: &mut OutboxOf<Self>) {}
        fn compact(&mut self, _: Zxid, _: &mut OutboxOf<Self>) {}
        fn snapshot_installed(&mut self, _: Zxid, _: &mut OutboxOf<Self>) {}
        fn status(&self) -> Status {
            Status {
                role: Role::Looking,
                leader: None,
                epoch: 0,
                last_committed: Zxid::ZERO,
            }
        }
        fn id(&self) -> NodeId {
            self.0
        }
    }

    fn z(c: u32) -> Zxid {
        Zxid::new(1, c)
    }

    fn running() -> Host<Inert> {
        let mut h = Host::new(1, false);
        h.set_core(Inert(1));
        h
    }

    #[test]
    fn re_arming_a_timer_replaces_it_and_cancel_disarms_it() {
        let mut h = running();
        h.set_timer(1, 5);
        h.set_timer(2, 7);
        h.set_timer(1, 9); // replaces the setting at 5
        assert!(!h.has_due_timer(6));
        assert_eq!(h.take_due_timer(8), Some(2));
        assert_eq!(h.take_due_timer(8), None);
        h.set_timer(3, 8);
        assert_eq!(h.take_due_timer(10), Some(3), "the earliest due first");
        h.cancel_timer(&1);
        assert!(!h.has_due_timer(100));
    }

    #[test]
    fn a_crash_keeps_the_durable_state_and_the_snapshot_only() {
        let mut h = running();
        h.persist(&7);
        h.apply(z(1), vec![1]);
        h.apply(z(2), vec![2]);
        assert_eq!(h.take_snapshot(), Some(z(2)));
        assert_eq!(h.take_snapshot(), None, "nothing new to snapshot");
        h.apply(z(3), vec![3]);
        h.set_timer(1, 1);
        h.crash();
        assert!(!h.is_up() && !h.has_due_timer(100));
        assert_eq!(h.state_machine().len(), 2);
        let rec = h.recovered();
        assert_eq!((rec.durable, rec.applied), (Records(vec![7]), z(2)));
    }

    #[test]
    fn a_durable_state_machine_survives_a_crash_whole() {
        let mut h = Host::<Inert>::new(1, true);
        h.set_core(Inert(1));
        h.apply(z(1), vec![1]);
        h.apply(z(2), vec![2]);
        h.crash();
        assert_eq!(h.state_machine().len(), 2);
        assert_eq!(h.recovered().applied, z(2));
    }

    #[test]
    fn a_snapshot_is_installed_only_when_it_is_ahead_and_then_survives_a_crash() {
        let mut h = running();
        h.apply(z(1), vec![1]);
        h.apply(z(2), vec![2]);
        let behind = vec![(z(1), vec![1])];
        assert_eq!(h.install(&behind), None);
        assert_eq!(h.install(&[]), None);
        let ahead = vec![(z(1), vec![1]), (z(2), vec![2]), (z(4), vec![4])];
        assert_eq!(h.install(&ahead), Some(z(4)));
        h.crash();
        assert_eq!(h.state_machine(), ahead.as_slice());
        assert_eq!(h.recovered().applied, z(4));
    }

    #[test]
    fn a_paused_node_is_up_but_not_running_until_its_pause_ends() {
        let mut h = running();
        h.paused_until = 5;
        assert!(h.is_up() && !h.is_running(4) && h.is_running(5));
        h.crash();
        assert_eq!(h.paused_until, 0);
    }
}
