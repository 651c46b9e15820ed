//! A Zab server's durable state and the records that change it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::contract::{Command, Durable};
use crate::types::Zxid;

/// What a Zab server must not forget across a crash (Zab paper, §IV: the
/// history, `acceptedEpoch` and `currentEpoch` are on stable storage).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ZabDurable {
    /// The epoch of the last NEWEPOCH accepted (or chosen, by a leader).
    pub accepted_epoch: u32,
    /// The epoch of the last NEWLEADER accepted: the history below is that
    /// leader's initial history followed by proposals of later leaders.
    pub current_epoch: u32,
    /// Accepted proposals above `compacted`, in zxid order.
    pub history: BTreeMap<Zxid, Command>,
    /// Every proposal up to this zxid is committed and held in the host's
    /// snapshot; it is forgotten here.
    pub compacted: Zxid,
}

impl ZabDurable {
    /// The last zxid of the history (ZooKeeper's `lastLoggedZxid`).
    pub fn last(&self) -> Zxid {
        self.history
            .keys()
            .next_back()
            .copied()
            .unwrap_or(self.compacted)
            .max(self.compacted)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Record {
    AcceptedEpoch(u32),
    CurrentEpoch(u32),
    /// A proposal accepted (appended to the history).
    Append {
        zxid: Zxid,
        command: Command,
    },
    /// Drop every proposal after this zxid (a TRUNC from the leader).
    Truncate(Zxid),
    /// Forget the history up to this zxid: it is in a snapshot.
    Compact(Zxid),
}

impl Durable for ZabDurable {
    type Record = Record;

    fn apply(&mut self, record: &Record) {
        match record {
            Record::AcceptedEpoch(e) => self.accepted_epoch = *e,
            Record::CurrentEpoch(e) => self.current_epoch = *e,
            Record::Append { zxid, command } => {
                if *zxid > self.compacted {
                    self.history.insert(*zxid, command.clone());
                }
            }
            Record::Truncate(after) => {
                let _dropped = self.history.split_off(&Zxid(after.0.saturating_add(1)));
            }
            Record::Compact(upto) => {
                if *upto > self.compacted {
                    self.compacted = *upto;
                    self.history = self.history.split_off(&Zxid(upto.0.saturating_add(1)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_records_rebuilds_epochs_history_truncation_and_compaction() {
        let z = Zxid::new;
        let mut d = ZabDurable::default();
        for r in [
            Record::AcceptedEpoch(2),
            Record::CurrentEpoch(1),
            Record::Append {
                zxid: z(1, 1),
                command: b"a".to_vec(),
            },
            Record::Append {
                zxid: z(1, 2),
                command: b"b".to_vec(),
            },
            Record::Append {
                zxid: z(1, 3),
                command: b"c".to_vec(),
            },
            Record::Truncate(z(1, 2)),
            Record::Compact(z(1, 1)),
        ] {
            d.apply(&r);
        }
        assert_eq!((d.accepted_epoch, d.current_epoch), (2, 1));
        assert_eq!(d.history, BTreeMap::from([(z(1, 2), b"b".to_vec())]));
        assert_eq!(d.last(), z(1, 2));
        // Compaction never goes back, and nothing at or below it is stored.
        d.apply(&Record::Compact(Zxid::ZERO));
        d.apply(&Record::Append {
            zxid: z(1, 1),
            command: b"x".to_vec(),
        });
        assert_eq!(d.compacted, z(1, 1));
        assert_eq!(d.history.len(), 1);
        d.apply(&Record::Compact(z(1, 5)));
        assert!(d.history.is_empty());
        assert_eq!(d.last(), z(1, 5));
    }
}
