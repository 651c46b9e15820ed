//! The acceptor's durable state and the records that change it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ballot::Ballot;
use super::messages::{Slot, Vote};
use crate::contract::Durable;
use crate::types::Zxid;

/// What a Multi-Paxos node must not forget across a crash: the acceptor's
/// promise and votes (Paxos Made Simple, §2.2: the highest-numbered
/// proposal it has accepted and the highest-numbered prepare request it has
/// answered, remembered "even if it fails and then restarts"), and how far
/// it has compacted.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MpDurable {
    pub promised: Ballot,
    /// The vote per slot, for slots above `compacted`. For a slot this node
    /// has committed, the vote holds the chosen entry.
    pub accepted: BTreeMap<Slot, Vote>,
    /// Every slot up to this zxid's counter is chosen and held in the host's
    /// snapshot; their votes are forgotten.
    pub compacted: Zxid,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Record {
    /// The acceptor promised this ballot.
    Promise(Ballot),
    /// The acceptor voted for `vote` in `slot` (which also promises the
    /// vote's ballot if it is higher than the promise).
    Accept { slot: Slot, vote: Vote },
    /// Forget the votes up to this zxid's counter: they are in a snapshot.
    Compact(Zxid),
}

impl Durable for MpDurable {
    type Record = Record;

    fn apply(&mut self, record: &Record) {
        match record {
            Record::Promise(ballot) => self.promised = *ballot,
            Record::Accept { slot, vote } => {
                self.promised = self.promised.max(vote.ballot);
                if *slot > self.compacted.counter() {
                    self.accepted.insert(*slot, vote.clone());
                }
            }
            Record::Compact(upto) => {
                if *upto > self.compacted {
                    self.compacted = *upto;
                    self.accepted = self.accepted.split_off(&(upto.counter() + 1));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::messages::Entry;
    use super::*;

    #[test]
    fn folding_records_rebuilds_promise_votes_and_compaction() {
        let vote = |r, c: &[u8]| Vote {
            ballot: Ballot::new(r, 1),
            entry: Entry::command(r, c.to_vec()),
        };
        let mut d = MpDurable::default();
        for record in [
            Record::Promise(Ballot::new(1, 1)),
            Record::Accept {
                slot: 1,
                vote: vote(1, b"a"),
            },
            Record::Accept {
                slot: 2,
                vote: vote(2, b"b"),
            },
            Record::Compact(Zxid::new(1, 1)),
        ] {
            d.apply(&record);
        }
        assert_eq!(d.promised, Ballot::new(2, 1));
        assert_eq!(d.accepted, BTreeMap::from([(2, vote(2, b"b"))]));
        assert_eq!(d.compacted, Zxid::new(1, 1));
        // A vote at or below the compaction point is not stored again.
        d.apply(&Record::Accept {
            slot: 1,
            vote: vote(3, b"c"),
        });
        assert!(!d.accepted.contains_key(&1));
        // Compaction never goes back.
        d.apply(&Record::Compact(Zxid::ZERO));
        assert_eq!(d.compacted, Zxid::new(1, 1));
    }
}
