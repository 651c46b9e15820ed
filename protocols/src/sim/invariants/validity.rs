//! Validity: only a command some client proposed is ever committed — never
//! a protocol-internal entry (a Multi-Paxos no-op) nor anything invented.
//!
//! Stated as the first safety requirement of consensus in Lamport, "Paxos
//! Made Simple" (2001), §2.1: "Only a value that has been proposed may be
//! chosen"; as Zab's "Integrity" (Junqueira, Reed, Serafini, DSN 2011,
//! §III: a server delivers only what some server broadcast); and in this
//! crate as rule 3 of the ordering contract on [`crate::contract::Outbox`]
//! ("protocol-internal entries … are never committed").

use std::collections::BTreeSet;

use super::{Checker, Observation};
use crate::contract::Command;
use crate::sim::report::{Breach, Invariant, ShowCommand};

#[derive(Clone, Debug, Default)]
pub struct Validity {
    proposed: BTreeSet<Command>,
}

impl Checker for Validity {
    fn observe(&mut self, obs: Observation<'_>) -> Result<(), Breach> {
        match obs {
            Observation::Proposed { command, .. } => {
                self.proposed.insert(command.clone());
                Ok(())
            }
            Observation::Commit {
                node,
                zxid,
                command,
            } if !self.proposed.contains(command) => Err(Breach::new(
                Invariant::Validity,
                format!(
                    "node {node} committed {} at {zxid}, which no client proposed",
                    ShowCommand(command)
                ),
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::history::*;
    use super::*;

    #[test]
    fn proposed_commands_may_be_committed_anything_else_is_caught() {
        let mut v = Validity::default();
        for n in [10, 11] {
            v.observe(Observation::Proposed {
                node: 1,
                command: &cmd(n),
            })
            .unwrap();
        }
        commit_all(&mut v, 2, &[(1, 10), (2, 11)]).unwrap();
        let breach = commit_all(&mut v, 2, &[(3, 12)]).unwrap_err();
        assert_eq!(breach.invariant, Invariant::Validity);
        let noop = Vec::new();
        let breach = v
            .observe(Observation::Commit {
                node: 1,
                zxid: z(4),
                command: &noop,
            })
            .unwrap_err();
        assert!(breach.detail.contains("no client proposed"));
    }
}
