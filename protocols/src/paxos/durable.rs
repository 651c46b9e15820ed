//! Each instance's acceptor state, the decided values, and the records
//! that change them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::messages::{Accepted, ProposalId, Slot, Value};
use crate::contract::Durable;
use crate::types::Zxid;

/// One instance's acceptor: the highest id it promised and the proposal it
/// accepted last (which has the highest id it ever accepted, since it
/// accepts nothing below its promise).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SlotAcceptor {
    pub promised: ProposalId,
    pub accepted: Option<Accepted>,
}

/// What a Paxos node must not forget across a crash: every instance's
/// promise and acceptance (the seed: the acceptor "accepts and persists"
/// them; Paxos Made Simple §2.5), the values it learned decided (so that
/// a restarted node commits them again and serves them to laggards), and
/// how far it has compacted.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PaxosDurable {
    /// Per slot from `compacted`'s slot on.
    pub acceptors: BTreeMap<Slot, SlotAcceptor>,
    /// Decided values per slot from `compacted`'s slot on.
    pub decided: BTreeMap<Slot, Value>,
    /// The host's snapshot holds every commit up to this zxid: the slots
    /// below its slot (`epoch()`) are forgotten. Its own slot is kept,
    /// since the snapshot may end part-way through that slot's batch and a
    /// node that installs it needs the rest.
    pub compacted: Zxid,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Record {
    /// The acceptor of `slot` promised `id`.
    Promise { slot: Slot, id: ProposalId },
    /// The acceptor of `slot` accepted `value` under `id` (which also
    /// promises `id`).
    Accept {
        slot: Slot,
        id: ProposalId,
        value: Value,
    },
    /// `slot` is decided with `value`.
    Decide { slot: Slot, value: Value },
    /// Forget every slot below this zxid's slot: it is in a snapshot.
    Compact(Zxid),
}

impl Durable for PaxosDurable {
    type Record = Record;

    fn apply(&mut self, record: &Record) {
        let live = |slot: &Slot| *slot >= self.compacted.epoch();
        match record {
            Record::Promise { slot, id } if live(slot) => {
                let a = self.acceptors.entry(*slot).or_default();
                a.promised = a.promised.max(*id);
            }
            Record::Accept { slot, id, value } if live(slot) => {
                let a = self.acceptors.entry(*slot).or_default();
                a.promised = a.promised.max(*id);
                a.accepted = Some(Accepted {
                    id: *id,
                    value: value.clone(),
                });
            }
            Record::Decide { slot, value } if live(slot) => {
                self.decided.insert(*slot, value.clone());
            }
            Record::Compact(upto) if *upto > self.compacted => {
                self.compacted = *upto;
                let keep = upto.epoch();
                self.acceptors = self.acceptors.split_off(&keep);
                self.decided = self.decided.split_off(&keep);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_records_rebuilds_promises_acceptances_decisions_and_compaction() {
        let id = |r| ProposalId::new(r, 1);
        let v = |c: &[u8]| Value::Commands(vec![c.to_vec()]);
        let mut d = PaxosDurable::default();
        for record in [
            Record::Promise { slot: 1, id: id(1) },
            Record::Accept {
                slot: 1,
                id: id(1),
                value: v(b"a"),
            },
            Record::Decide {
                slot: 1,
                value: v(b"a"),
            },
            Record::Accept {
                slot: 2,
                id: id(3),
                value: v(b"b"),
            },
            // A lower promise never lowers the promise.
            Record::Promise { slot: 2, id: id(2) },
            Record::Compact(Zxid::new(2, 0)),
        ] {
            d.apply(&record);
        }
        assert_eq!(d.compacted, Zxid::new(2, 0));
        assert!(d.decided.is_empty());
        let a = &d.acceptors[&2];
        assert_eq!(a.promised, id(3));
        assert_eq!(a.accepted.as_ref().map(|a| &a.value), Some(&v(b"b")));
        // Nothing at or below the compaction point comes back.
        d.apply(&Record::Decide {
            slot: 1,
            value: v(b"x"),
        });
        d.apply(&Record::Promise { slot: 1, id: id(9) });
        assert!(!d.decided.contains_key(&1) && !d.acceptors.contains_key(&1));
        d.apply(&Record::Compact(Zxid::ZERO));
        assert_eq!(d.compacted, Zxid::new(2, 0));
        // The compaction point's own slot is kept.
        d.apply(&Record::Compact(Zxid::new(2, 1)));
        assert!(d.acceptors.contains_key(&2));
    }
}
