//! Commit order: on each node commits come in strictly increasing zxid
//! order, and each node's state machine is always a prefix of one sequence,
//! the longest committed anywhere (gap-free in the prefix sense: a node
//! skips entries only by installing a snapshot that holds them).
//!
//! Stated as rule 3 of the ordering contract on
//! [`crate::contract::Outbox`]; as Zab's "Total order" and "Primary order"
//! (Junqueira, Reed, Serafini, DSN 2011, §III); and as Raft's "State Machine
//! Safety" (Ongaro, Ousterhout, "In Search of an Understandable Consensus
//! Algorithm", 2014, Figure 3).

use std::collections::BTreeMap;

use super::{Checker, Entry, Observation, first_difference};
use crate::sim::report::{Breach, Invariant, ShowCommand};
use crate::types::{NodeId, Zxid};

#[derive(Clone, Copy, Debug, Default)]
struct Held {
    /// How many entries of the sequence the node's state machine holds.
    len: usize,
    last: Zxid,
}

#[derive(Clone, Debug, Default)]
pub struct CommitOrder {
    /// The longest committed sequence seen so far.
    sequence: Vec<Entry>,
    nodes: BTreeMap<NodeId, Held>,
}

impl CommitOrder {
    fn reset(&mut self, node: NodeId, entries: &[Entry], what: &str) -> Result<(), Breach> {
        if let Some(i) = first_difference(entries, &self.sequence) {
            return Err(Breach::new(
                Invariant::CommitOrder,
                format!(
                    "node {node} {what} entry {i} as {} {}, but the committed sequence {}",
                    entries[i].0,
                    ShowCommand(&entries[i].1),
                    describe(self.sequence.get(i)),
                ),
            ));
        }
        let held = self.nodes.entry(node).or_default();
        held.len = entries.len();
        held.last = entries.last().map_or(Zxid::ZERO, |e| e.0);
        Ok(())
    }
}

fn describe(entry: Option<&Entry>) -> String {
    match entry {
        Some((z, c)) => format!("has {z} {} there", ShowCommand(c)),
        None => "ends before it".to_string(),
    }
}

impl Checker for CommitOrder {
    fn observe(&mut self, obs: Observation<'_>) -> Result<(), Breach> {
        match obs {
            Observation::Commit {
                node,
                zxid,
                command,
            } => {
                let held = self.nodes.entry(node).or_default();
                if zxid <= held.last {
                    return Err(Breach::new(
                        Invariant::CommitOrder,
                        format!(
                            "node {node} committed {zxid} {} after {}: not strictly increasing",
                            ShowCommand(command),
                            held.last
                        ),
                    ));
                }
                match self.sequence.get(held.len) {
                    None => self.sequence.push((zxid, command.clone())),
                    Some((z, c)) if *z == zxid && c == command => {}
                    Some((z, c)) => {
                        return Err(Breach::new(
                            Invariant::CommitOrder,
                            format!(
                                "node {node} committed {zxid} {} as entry {}, but the committed \
                                 sequence has {z} {} there (a gap or a fork)",
                                ShowCommand(command),
                                held.len,
                                ShowCommand(c)
                            ),
                        ));
                    }
                }
                held.len += 1;
                held.last = zxid;
                Ok(())
            }
            Observation::Proposed { .. } | Observation::Crashed { .. } => Ok(()),
            Observation::Restarted { node, kept } => self.reset(node, kept, "restarted with"),
            Observation::SnapshotInstalled { node, entries, .. } => {
                self.reset(node, entries, "installed a snapshot with")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::history::*;
    use super::*;

    #[test]
    fn prefixes_of_one_sequence_pass_and_snapshots_let_a_node_skip_ahead() {
        let mut c = CommitOrder::default();
        commit_all(&mut c, 1, &[(1, 10), (2, 11), (5, 12)]).unwrap();
        commit_all(&mut c, 2, &[(1, 10)]).unwrap();
        let snap = entries(&[(1, 10), (2, 11)]);
        c.observe(Observation::SnapshotInstalled {
            node: 3,
            from: 1,
            entries: &snap,
        })
        .unwrap();
        commit_all(&mut c, 3, &[(5, 12), (6, 13)]).unwrap();
        commit_all(&mut c, 2, &[(2, 11), (5, 12), (6, 13)]).unwrap();
    }

    #[test]
    fn a_node_that_skips_an_entry_others_committed_is_caught() {
        let mut c = CommitOrder::default();
        commit_all(&mut c, 1, &[(1, 10), (2, 11), (3, 12)]).unwrap();
        let breach = commit_all(&mut c, 2, &[(1, 10), (3, 12)]).unwrap_err();
        assert_eq!(breach.invariant, Invariant::CommitOrder);
        assert!(breach.detail.contains("gap or a fork"), "{}", breach.detail);
    }

    #[test]
    fn a_gap_is_caught_when_the_skipped_entry_shows_up_later() {
        let mut c = CommitOrder::default();
        commit_all(&mut c, 1, &[(1, 10), (3, 12)]).unwrap();
        let breach = commit_all(&mut c, 2, &[(1, 10), (2, 11)]).unwrap_err();
        assert_eq!(breach.invariant, Invariant::CommitOrder);
    }

    #[test]
    fn a_commit_at_or_below_the_last_one_is_caught() {
        let mut c = CommitOrder::default();
        let breach = commit_all(&mut c, 1, &[(1, 10), (2, 11), (2, 11)]).unwrap_err();
        assert!(breach.detail.contains("not strictly increasing"));
        let mut c = CommitOrder::default();
        let snap = entries(&[(1, 10), (2, 11)]);
        c.observe(Observation::Restarted {
            node: 1,
            kept: &snap,
        })
        .unwrap_err(); // nobody committed those: not a prefix of the sequence
        commit_all(&mut c, 2, &[(1, 10), (2, 11)]).unwrap();
        c.observe(Observation::Restarted {
            node: 1,
            kept: &snap,
        })
        .unwrap();
        let breach = commit_all(&mut c, 1, &[(2, 11)]).unwrap_err();
        assert!(breach.detail.contains("not strictly increasing"));
    }

    #[test]
    fn a_snapshot_that_is_not_a_prefix_is_caught() {
        let mut c = CommitOrder::default();
        commit_all(&mut c, 1, &[(1, 10), (2, 11)]).unwrap();
        let forked = entries(&[(1, 10), (2, 99)]);
        let breach = c
            .observe(Observation::SnapshotInstalled {
                node: 2,
                from: 1,
                entries: &forked,
            })
            .unwrap_err();
        assert!(breach.detail.contains("entry 1"), "{}", breach.detail);
    }
}
