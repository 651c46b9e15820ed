//! The learner: decided values, commits in slot order with no gaps,
//! catch-up of lagging nodes, and compaction.

use std::collections::BTreeMap;

use super::messages::{Slot, Value};
use super::{MAX_DECIDED_BATCH, Msg, Out, Paxos, Record, Timer};
use crate::contract::{Action, RejectReason};
use crate::types::{NodeId, Zxid};

impl Paxos {
    pub(super) fn on_decided(&mut self, values: BTreeMap<Slot, Value>, out: &mut Out) {
        self.learn(values, out);
    }

    /// Records decided values (persisted, so a restarted node commits them
    /// again and can serve them), commits what became contiguous, and
    /// moves the proposer on if its slot was among them.
    pub(super) fn learn(&mut self, values: BTreeMap<Slot, Value>, out: &mut Out) {
        let floor = self.committed.max(self.durable.compacted.counter());
        for (slot, value) in values {
            if slot <= floor || self.durable.decided.contains_key(&slot) {
                continue;
            }
            self.persist(Record::Decide { slot, value }, out);
        }
        self.commit_ready(out);
        let finished = self.instance.as_ref().is_some_and(|i| {
            i.slot <= self.committed || self.durable.decided.contains_key(&i.slot)
        });
        if finished {
            // Won, or lost to another value: either way this slot is done.
            // A command that lost is still the queue's head and is proposed
            // again in the next free slot.
            self.instance = None;
            out.cancel_timer(Timer::Retry);
            self.start_proposing(out);
        }
    }

    /// Commits every decided slot right after the commit point, in order.
    pub(super) fn commit_ready(&mut self, out: &mut Out) {
        while let Some(value) = self.durable.decided.get(&(self.committed + 1)) {
            let value = value.clone();
            self.committed += 1;
            if let Value::Command(command) = value {
                if let Some(i) = self.pending.iter().position(|c| *c == command) {
                    self.pending.remove(i);
                }
                out.commit(Paxos::zxid(self.committed), command);
            }
        }
    }

    /// A peer has committed up to `theirs`: if we know more, send it the
    /// decided values that follow, or a snapshot past our compaction point.
    pub(super) fn on_progress(&mut self, from: NodeId, theirs: Slot, out: &mut Out) {
        if theirs >= self.committed {
            return;
        }
        let next = theirs + 1;
        if next <= self.durable.compacted.counter() {
            self.offer_snapshot(from, out);
            return;
        }
        let values: BTreeMap<Slot, Value> = self
            .durable
            .decided
            .range(next..=self.committed)
            .take(MAX_DECIDED_BATCH)
            .map(|(s, v)| (*s, v.clone()))
            .collect();
        if !values.is_empty() {
            out.send(from, Msg::Decided { values });
        }
    }

    /// The host's snapshot holds every commit up to `upto`: forget the
    /// slots up to there, durably.
    pub(super) fn compact_upto(&mut self, upto: Zxid, out: &mut Out) {
        let upto = upto.min(Paxos::zxid(self.committed));
        if upto > self.durable.compacted {
            self.persist(Record::Compact(upto), out);
        }
    }

    /// The host installed a peer's snapshot holding every commit up to
    /// `at`: continue after it.
    pub(super) fn install_snapshot(&mut self, at: Zxid, out: &mut Out) {
        if at.counter() <= self.committed {
            return;
        }
        self.persist(Record::Compact(at), out);
        self.committed = at.counter();
        // The command being proposed may have been decided inside the
        // snapshot, unseen here: its outcome is unknown, so hand it back
        // (ZooKeeper's connection loss) rather than order it again. The
        // commands behind it were never proposed.
        if let Some(inst) = self.instance.take() {
            out.cancel_timer(Timer::Retry);
            if matches!(&inst.own, Value::Command(c) if self.pending.first() == Some(c)) {
                let command = self.pending.remove(0);
                out.push(Action::Rejected {
                    command,
                    reason: RejectReason::Abandoned,
                });
            }
        }
        self.commit_ready(out);
        self.start_proposing(out);
    }
}
