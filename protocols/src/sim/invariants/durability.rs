//! Durability: a commit reported by any node is never lost or contradicted
//! later, also when the nodes that reported it crash and restart (a
//! minority at a time).
//!
//! Stated in this crate as rules 1 and 2 of the ordering contract on
//! [`crate::contract::Outbox`] (persist before send, persist before
//! acknowledging a commit) and in DESIGN.md ("a node killed with SIGKILL at
//! any moment comes back with every write it acknowledged"); it is Raft's
//! "Leader Completeness" (Ongaro, Ousterhout 2014, §5.4) seen from outside:
//! a committed entry is in every later leader's log, so every node ends up
//! with it.
//!
//! Two checks: a commit that contradicts one reported only by incarnations
//! that have since crashed (the cluster forgot it); and, once the cluster
//! has settled, every reported commit held by every live node.

use std::collections::{BTreeMap, BTreeSet};

use super::{Checker, Observation, Settled};
use crate::contract::Command;
use crate::sim::report::{Breach, Invariant, ShowCommand};
use crate::types::{NodeId, Zxid};

#[derive(Clone, Debug, Default)]
pub struct Durability {
    /// Each node's current incarnation (bumped at every crash).
    incarnation: BTreeMap<NodeId, u32>,
    /// Every reported commit and the (node, incarnation)s that reported it.
    reported: BTreeMap<Zxid, (Command, BTreeSet<(NodeId, u32)>)>,
}

impl Durability {
    fn current(&self, node: NodeId) -> u32 {
        self.incarnation.get(&node).copied().unwrap_or(0)
    }
}

impl Checker for Durability {
    fn observe(&mut self, obs: Observation<'_>) -> Result<(), Breach> {
        match obs {
            Observation::Commit {
                node,
                zxid,
                command,
            } => {
                let me = (node, self.current(node));
                match self.reported.get_mut(&zxid) {
                    None => {
                        self.reported
                            .insert(zxid, (command.clone(), BTreeSet::from([me])));
                    }
                    Some((first, by)) if first == command => {
                        by.insert(me);
                    }
                    Some((first, by)) => {
                        let incarnation = &self.incarnation;
                        let all_dead = by
                            .iter()
                            .all(|&(n, inc)| inc < incarnation.get(&n).copied().unwrap_or(0));
                        if all_dead {
                            let who: Vec<String> = by.iter().map(|(n, _)| n.to_string()).collect();
                            return Err(Breach::new(
                                Invariant::Durability,
                                format!(
                                    "{zxid} was committed as {} by node(s) {} before they crashed, \
                                     but node {node} now commits {} there: the commit was lost",
                                    ShowCommand(first),
                                    who.join(","),
                                    ShowCommand(command)
                                ),
                            ));
                        }
                        // Reported by a live incarnation too: agreement's to name.
                    }
                }
                Ok(())
            }
            Observation::Crashed { node } => {
                *self.incarnation.entry(node).or_default() += 1;
                Ok(())
            }
            Observation::Proposed { .. }
            | Observation::Restarted { .. }
            | Observation::SnapshotInstalled { .. } => Ok(()),
        }
    }

    fn settled(&self, view: Settled<'_>) -> Result<(), Breach> {
        for &(node, entries) in view.nodes {
            for (zxid, (command, by)) in &self.reported {
                let held = entries
                    .binary_search_by_key(zxid, |e| e.0)
                    .ok()
                    .map(|i| &entries[i].1);
                if held != Some(command) {
                    let reporter = by.iter().next().map_or(0, |(n, _)| *n);
                    return Err(Breach::new(
                        Invariant::Durability,
                        format!(
                            "after faults stopped, node {node} does not hold {zxid} {} \
                             (committed by node {reporter}); it holds {} entries up to {}",
                            ShowCommand(command),
                            entries.len(),
                            entries.last().map_or(Zxid::ZERO, |e| e.0)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::history::*;
    use super::*;

    #[test]
    fn a_commit_contradicted_after_its_only_reporter_crashed_is_caught() {
        let mut d = Durability::default();
        commit_all(&mut d, 1, &[(1, 10), (2, 11)]).unwrap();
        d.observe(Observation::Crashed { node: 1 }).unwrap();
        let breach = commit_all(&mut d, 2, &[(1, 10), (2, 99)]).unwrap_err();
        assert_eq!(breach.invariant, Invariant::Durability);
        assert!(breach.detail.contains("lost"), "{}", breach.detail);
    }

    #[test]
    fn a_contradiction_of_a_live_report_is_left_to_agreement() {
        let mut d = Durability::default();
        commit_all(&mut d, 1, &[(1, 10)]).unwrap();
        commit_all(&mut d, 2, &[(1, 99)]).unwrap();
        // The restarted node re-commits what it committed before: fine.
        d.observe(Observation::Crashed { node: 1 }).unwrap();
        commit_all(&mut d, 1, &[(1, 10)]).unwrap();
    }

    #[test]
    fn a_live_node_missing_a_reported_commit_after_settling_is_caught() {
        let mut d = Durability::default();
        commit_all(&mut d, 1, &[(1, 10), (2, 11)]).unwrap();
        let full = entries(&[(1, 10), (2, 11)]);
        let short = entries(&[(1, 10)]);
        let ok = [(1, full.as_slice()), (2, full.as_slice())];
        d.settled(Settled {
            nodes: &ok,
            expected: &[],
        })
        .unwrap();
        let lagging = [(1, full.as_slice()), (2, short.as_slice())];
        let breach = d
            .settled(Settled {
                nodes: &lagging,
                expected: &[],
            })
            .unwrap_err();
        assert_eq!(breach.invariant, Invariant::Durability);
        assert!(breach.detail.contains("node 2"), "{}", breach.detail);
    }
}
