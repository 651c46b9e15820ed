//! The acceptor of every slot: the seed's "two promises and one answer",
//! each promise and acceptance persisted before the answer that reveals it.

use std::collections::BTreeMap;

use super::messages::{Msg, ProposalId, Slot, Value};
use super::{MAX_DECIDED_BATCH, Out, Paxos, Record};
use crate::contract::Action;
use crate::types::NodeId;

impl Paxos {
    /// Phase 1b. Promise 1: no prepare with an id ≤ the promised one is
    /// promised again (an equal id is the same prepare re-sent: it gets
    /// the same answer). The one answer: the accepted proposal, whose id is
    /// the highest this acceptor accepted.
    pub(super) fn on_prepare(&mut self, from: NodeId, slot: Slot, id: ProposalId, out: &mut Out) {
        if self.answered_as_late(from, slot, out) {
            return;
        }
        let promised = self.promised_in(slot);
        if id < promised && !self.skips_promises() {
            out.send(from, Msg::Nack { slot, id, promised });
            return;
        }
        if id != promised {
            self.persist(Record::Promise { slot, id }, out);
        }
        let accepted = self
            .durable
            .acceptors
            .get(&slot)
            .and_then(|a| a.accepted.clone());
        out.send(from, Msg::Promise { slot, id, accepted });
    }

    /// Phase 2b. Promise 2: no accept with an id < the promised one.
    pub(super) fn on_accept(
        &mut self,
        from: NodeId,
        slot: Slot,
        id: ProposalId,
        value: Value,
        out: &mut Out,
    ) {
        if self.answered_as_late(from, slot, out) {
            return;
        }
        let promised = self.promised_in(slot);
        if id < promised && !self.skips_promises() {
            out.send(from, Msg::Nack { slot, id, promised });
            return;
        }
        let already = self
            .durable
            .acceptors
            .get(&slot)
            .and_then(|a| a.accepted.as_ref())
            .is_some_and(|a| a.id == id && a.value == value);
        if !already {
            self.persist(Record::Accept { slot, id, value }, out);
        }
        out.send(from, Msg::Accepted { slot, id });
    }

    /// The id this node's acceptor promised in `slot` (zero if none).
    pub(super) fn promised_in(&self, slot: Slot) -> ProposalId {
        self.durable
            .acceptors
            .get(&slot)
            .map_or(ProposalId::ZERO, |a| a.promised)
    }

    /// A prepare or accept for a slot this node knows decided: the sender
    /// is late. Tell it the decided values from there on, or, if the slot
    /// is compacted away, have the host send it a snapshot.
    fn answered_as_late(&mut self, from: NodeId, slot: Slot, out: &mut Out) -> bool {
        if slot < self.durable.compacted.epoch() {
            self.offer_snapshot(from, out);
            return true;
        }
        if !self.durable.decided.contains_key(&slot) {
            return false;
        }
        let values: BTreeMap<Slot, Value> = self
            .durable
            .decided
            .range(slot..)
            .take(MAX_DECIDED_BATCH)
            .map(|(s, v)| (*s, v.clone()))
            .collect();
        out.send(from, Msg::Decided { values });
        true
    }

    /// Has the host stream its snapshot to `to`, once per `Resync` period.
    pub(super) fn offer_snapshot(&mut self, to: NodeId, out: &mut Out) {
        if self.snapshot_sent.insert(to) {
            out.push(Action::SendSnapshot { to });
        }
    }
}
