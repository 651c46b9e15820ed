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
        for (slot, value) in values {
            let known = slot <= self.committed
                || slot < self.durable.compacted.epoch()
                || self.durable.decided.contains_key(&slot);
            if !known {
                self.persist(Record::Decide { slot, value }, out);
            }
        }
        self.commit_ready(out);
        let finished = self.instance.as_ref().is_some_and(|i| {
            i.slot <= self.committed || self.durable.decided.contains_key(&i.slot)
        });
        if finished {
            // Won, or lost to another value: either way this slot is done.
            // Commands that lost are still at the queue's head and are
            // proposed again in the next free slot.
            self.instance = None;
            out.cancel_timer(Timer::Retry);
            self.start_proposing(out);
        }
    }

    /// Commits every decided slot right after the commit point, in order,
    /// command by command (skipping what the host already holds).
    pub(super) fn commit_ready(&mut self, out: &mut Out) {
        while let Some(value) = self.durable.decided.get(&(self.committed + 1)) {
            let commands = value.commands().to_vec();
            self.committed += 1;
            let slot = self.committed;
            self.last = self.last.max(Zxid::new(slot, 0));
            for (index, command) in commands.into_iter().enumerate() {
                if let Some(i) = self.pending.iter().position(|c| *c == command) {
                    self.pending.remove(i);
                }
                let zxid = Paxos::zxid(slot, index);
                if zxid > self.floor {
                    self.last = zxid;
                    out.commit(zxid, command);
                }
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
        if next < self.durable.compacted.epoch() {
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
    /// slots below its slot, durably.
    pub(super) fn compact_upto(&mut self, upto: Zxid, out: &mut Out) {
        let upto = upto.min(self.last);
        if upto > self.durable.compacted {
            self.persist(Record::Compact(upto), out);
        }
    }

    /// The host installed a peer's snapshot holding every commit up to
    /// `at`: continue after it. The rest of `at`'s slot comes from the
    /// decided value, here or (asked by the next `Progress`) at a peer.
    pub(super) fn install_snapshot(&mut self, at: Zxid, out: &mut Out) {
        if at <= self.last {
            return;
        }
        self.persist(Record::Compact(at), out);
        self.committed = self.committed.max(at.epoch().saturating_sub(1));
        self.floor = at;
        self.last = at;
        // A proposal in a slot the snapshot covers is decided, perhaps with
        // its batch, unseen here: its outcome is unknown, so hand the batch
        // back (ZooKeeper's connection loss) rather than order it again.
        if self.instance.as_ref().is_some_and(|i| i.slot <= at.epoch())
            && let Some(inst) = self.instance.take()
        {
            out.cancel_timer(Timer::Retry);
            for command in inst.own.commands() {
                if let Some(i) = self.pending.iter().position(|c| c == command) {
                    let command = self.pending.remove(i);
                    out.push(Action::Rejected {
                        command,
                        reason: RejectReason::Abandoned,
                    });
                }
            }
        }
        self.commit_ready(out);
        self.start_proposing(out);
    }
}
