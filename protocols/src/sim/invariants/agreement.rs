//! Agreement: no two nodes commit different commands at one zxid.
//!
//! Stated as the first safety requirement of consensus in Lamport, "Paxos
//! Made Simple" (2001), §2.1: "Only a single value is chosen" (per instance,
//! i.e. per slot, in Multi-Paxos); as Zab's "Agreement" and "Total order"
//! in Junqueira, Reed, Serafini, "Zab: High-performance broadcast for
//! primary-backup systems" (DSN 2011), §III; and in this crate as rule 3 of
//! the ordering contract on [`crate::contract::Outbox`].
//!
//! Every commit ever reported counts, by any node in any incarnation.

use std::collections::BTreeMap;

use super::{Checker, Observation};
use crate::contract::Command;
use crate::sim::report::{Breach, Invariant, ShowCommand};
use crate::types::{NodeId, Zxid};

#[derive(Clone, Debug, Default)]
pub struct Agreement {
    /// The command each zxid was first committed with, and by whom.
    decided: BTreeMap<Zxid, (Command, NodeId)>,
}

impl Agreement {
    pub fn chosen(&self) -> usize {
        self.decided.len()
    }

    /// How many commands were committed at more than one zxid (allowed,
    /// the state machine deduplicates, but worth counting).
    pub fn ordered_twice(&self) -> usize {
        let mut seen = std::collections::BTreeMap::new();
        for (command, _) in self.decided.values() {
            *seen.entry(command).or_insert(0usize) += 1;
        }
        seen.values().filter(|&&n| n > 1).count()
    }
}

impl Checker for Agreement {
    fn observe(&mut self, obs: Observation<'_>) -> Result<(), Breach> {
        let Observation::Commit {
            node,
            zxid,
            command,
        } = obs
        else {
            return Ok(());
        };
        match self.decided.get(&zxid) {
            Some((first, by)) if first != command => Err(Breach::new(
                Invariant::Agreement,
                format!(
                    "node {node} committed {} at {zxid}, but node {by} committed {} there",
                    ShowCommand(command),
                    ShowCommand(first)
                ),
            )),
            Some(_) => Ok(()),
            None => {
                self.decided.insert(zxid, (command.clone(), node));
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::history::*;
    use super::*;

    #[test]
    fn the_same_command_at_a_zxid_on_every_node_is_agreement() {
        let mut a = Agreement::default();
        commit_all(&mut a, 1, &[(1, 10), (2, 11)]).unwrap();
        commit_all(&mut a, 2, &[(1, 10), (2, 11), (3, 12)]).unwrap();
        // A command re-proposed after a leader change may sit at two zxids.
        commit_all(&mut a, 3, &[(1, 10), (2, 11), (3, 12), (4, 10)]).unwrap();
        assert_eq!((a.chosen(), a.ordered_twice()), (4, 1));
    }

    #[test]
    fn two_commands_at_one_zxid_are_caught() {
        let mut a = Agreement::default();
        commit_all(&mut a, 1, &[(1, 10), (2, 11)]).unwrap();
        let breach = commit_all(&mut a, 2, &[(1, 10), (2, 99)]).unwrap_err();
        assert_eq!(breach.invariant, Invariant::Agreement);
        assert!(breach.detail.contains("#99") && breach.detail.contains("#11"));
    }
}
