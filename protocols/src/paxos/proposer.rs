//! The proposer: one single-decree instance at a time, in the first slot
//! this node believes free, retried after pre-emption.

use std::collections::{BTreeMap, BTreeSet};

use super::messages::{Accepted, Msg, ProposalId, Slot, Timer, Value};
use super::{MAX_BATCH, Out, Paxos, Record};
use crate::types::NodeId;

/// The proposal a node is running.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Instance {
    pub slot: Slot,
    /// The id of the current (or last) attempt.
    pub id: ProposalId,
    /// What this node wants decided: a batch from its queue's head, or a
    /// no-op that fills a stalled slot.
    pub own: Value,
    /// The highest promise a `Nack` reported, so the next id is above it.
    pub seen: ProposalId,
    /// Consecutive pre-emptions in this slot (the backoff's exponent).
    pub preempted: u32,
    pub phase: Phase,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Phase 1: the promises gathered so far, with what each promiser had
    /// accepted.
    Preparing {
        promises: BTreeMap<NodeId, Option<Accepted>>,
    },
    /// Phase 2: proposing `value`; who accepted it.
    Accepting {
        value: Value,
        accepted: BTreeSet<NodeId>,
    },
    /// Pre-empted; waiting for the `Retry` timer.
    BackingOff,
}

impl Paxos {
    /// Starts an instance for the queue's head if none is running.
    pub(super) fn start_proposing(&mut self, out: &mut Out) {
        if self.instance.is_some() {
            return;
        }
        if self.pending.is_empty() {
            return;
        }
        let batch = self.pending.iter().take(MAX_BATCH).cloned().collect();
        self.start_instance(Value::Commands(batch), out);
    }

    /// Runs Paxos for `own` in the first slot above the commit point not
    /// known decided.
    pub(super) fn start_instance(&mut self, own: Value, out: &mut Out) {
        let slot = self.first_free_slot();
        self.instance = Some(Instance {
            slot,
            id: ProposalId::ZERO,
            own,
            seen: ProposalId::ZERO,
            preempted: 0,
            phase: Phase::BackingOff,
        });
        self.prepare(out);
    }

    fn first_free_slot(&self) -> Slot {
        let mut slot = self.committed + 1;
        while self.durable.decided.contains_key(&slot) {
            slot += 1;
        }
        slot
    }

    /// Phase 1a with a fresh id above every promise known in the slot; this
    /// node's own acceptor promises it first.
    fn prepare(&mut self, out: &mut Out) {
        let Some(inst) = &self.instance else {
            return;
        };
        let slot = inst.slot;
        let id = self.promised_in(slot).max(inst.seen).next_for(self.id);
        self.persist(Record::Promise { slot, id }, out);
        let own_accepted = self
            .durable
            .acceptors
            .get(&slot)
            .and_then(|a| a.accepted.clone());
        self.stats.attempts += 1;
        if let Some(inst) = &mut self.instance {
            inst.id = id;
            inst.phase = Phase::Preparing {
                promises: BTreeMap::from([(self.id, own_accepted)]),
            };
        }
        self.broadcast(&Msg::Prepare { slot, id }, out);
        self.check_promises(out);
    }

    pub(super) fn on_promise(
        &mut self,
        from: NodeId,
        slot: Slot,
        id: ProposalId,
        accepted: Option<Accepted>,
        out: &mut Out,
    ) {
        if let Some(Instance {
            slot: s,
            id: i,
            phase: Phase::Preparing { promises },
            ..
        }) = &mut self.instance
            && (*s, *i) == (slot, id)
        {
            promises.insert(from, accepted);
            self.check_promises(out);
        }
    }

    /// With a majority of promises: phase 2a with the value of the highest
    /// accepted id among them, or this node's own value.
    fn check_promises(&mut self, out: &mut Out) {
        let Some(inst) = &self.instance else {
            return;
        };
        let Phase::Preparing { promises } = &inst.phase else {
            return;
        };
        if promises.len() < self.config.quorum() {
            return;
        }
        let value = promises
            .values()
            .flatten()
            .max_by_key(|a| a.id)
            .map_or_else(|| inst.own.clone(), |a| a.value.clone());
        let (slot, id) = (inst.slot, inst.id);
        self.stats.promises_won += 1;
        // Our own acceptor may have promised a higher id since: then we are
        // pre-empted by it like by any other acceptor.
        let promised = self.promised_in(slot);
        if promised > id && !self.skips_promises() {
            self.preempt(promised, out);
            return;
        }
        self.persist(
            Record::Accept {
                slot,
                id,
                value: value.clone(),
            },
            out,
        );
        if let Some(inst) = &mut self.instance {
            inst.phase = Phase::Accepting {
                value: value.clone(),
                accepted: BTreeSet::from([self.id]),
            };
        }
        self.broadcast(&Msg::Accept { slot, id, value }, out);
        self.check_accepted(out);
    }

    pub(super) fn on_accepted(&mut self, from: NodeId, slot: Slot, id: ProposalId, out: &mut Out) {
        if let Some(Instance {
            slot: s,
            id: i,
            phase: Phase::Accepting { accepted, .. },
            ..
        }) = &mut self.instance
            && (*s, *i) == (slot, id)
        {
            accepted.insert(from);
            self.check_accepted(out);
        }
    }

    /// With a majority of acceptances the value is decided: learn it and
    /// tell every learner.
    fn check_accepted(&mut self, out: &mut Out) {
        let Some(Instance {
            slot,
            phase: Phase::Accepting { value, accepted },
            ..
        }) = &self.instance
        else {
            return;
        };
        if accepted.len() < self.config.quorum() {
            return;
        }
        let (slot, value) = (*slot, value.clone());
        self.broadcast(
            &Msg::Decided {
                values: BTreeMap::from([(slot, value.clone())]),
            },
            out,
        );
        self.learn(BTreeMap::from([(slot, value)]), out);
    }

    /// A refusal: if it is for the running attempt, that attempt is
    /// pre-empted by a higher promise.
    pub(super) fn on_nack(
        &mut self,
        slot: Slot,
        id: ProposalId,
        promised: ProposalId,
        out: &mut Out,
    ) {
        let running = self
            .instance
            .as_ref()
            .is_some_and(|i| (i.slot, i.id) == (slot, id) && !matches!(i.phase, Phase::BackingOff));
        if running && promised > id {
            self.preempt(promised, out);
        }
    }

    /// Ends the running attempt; tries again with a higher id, at once or
    /// after a random backoff of up to `heartbeat · 2^k` ticks after the
    /// k-th consecutive pre-emption (k capped at 6): contenders spread
    /// out until one of them fits a whole round in.
    fn preempt(&mut self, promised: ProposalId, out: &mut Out) {
        self.stats.preemptions += 1;
        let Some(inst) = &mut self.instance else {
            return;
        };
        inst.seen = inst.seen.max(promised);
        inst.preempted = inst.preempted.saturating_add(1);
        inst.phase = Phase::BackingOff;
        let exponent = inst.preempted.min(6);
        if !self.options.backoff {
            self.prepare(out);
            return;
        }
        let cap = self.config.heartbeat.max(1).saturating_mul(1 << exponent);
        let after = self.rng.between(1, cap);
        out.set_timer(Timer::Retry, after);
    }

    /// The backoff is over.
    pub(super) fn retry(&mut self, out: &mut Out) {
        if self
            .instance
            .as_ref()
            .is_some_and(|i| matches!(i.phase, Phase::BackingOff))
        {
            self.prepare(out);
        }
    }

    /// Re-sends the running attempt's message to the peers that have not
    /// answered it (any message may be lost).
    pub(super) fn retransmit(&mut self, out: &mut Out) {
        let Some(inst) = &self.instance else {
            return;
        };
        let (slot, id) = (inst.slot, inst.id);
        let (msg, answered) = match &inst.phase {
            Phase::Preparing { promises } => (
                Msg::Prepare { slot, id },
                promises.keys().copied().collect::<BTreeSet<_>>(),
            ),
            Phase::Accepting { value, accepted } => (
                Msg::Accept {
                    slot,
                    id,
                    value: value.clone(),
                },
                accepted.clone(),
            ),
            Phase::BackingOff => return,
        };
        for peer in self.peers().filter(|p| !answered.contains(p)) {
            out.send(peer, msg.clone());
        }
    }

    /// A slot above the commit point is decided (or the next one holds an
    /// accepted value) and the commit point has not moved for a whole
    /// `Resync` period: the next slot's proposer may be gone. Run Paxos there with a
    /// no-op, which adopts any value already accepted.
    pub(super) fn fill_stalled_gap(&mut self, out: &mut Out) {
        if self.instance.is_some() {
            return;
        }
        let next = self.committed + 1;
        let gap = self.durable.decided.keys().any(|&s| s > next)
            || self
                .durable
                .acceptors
                .get(&next)
                .is_some_and(|a| a.accepted.is_some());
        if !gap {
            self.stalled = None;
            return;
        }
        if self.stalled != Some(self.committed) {
            self.stalled = Some(self.committed);
            return;
        }
        self.stalled = None;
        if self.pending.is_empty() {
            self.start_instance(Value::Noop, out);
        } else {
            self.start_proposing(out);
        }
    }
}
