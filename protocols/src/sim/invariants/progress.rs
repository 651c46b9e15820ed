//! Progress after faults stop: once the network is healed, every crashed
//! node restarted and no new fault is injected, every command a client
//! proposed (and did not give up on after rejections) is committed at every
//! live node within a bound of ticks.
//!
//! Stated in this crate as rule 5 of the ordering contract on
//! [`crate::contract::Outbox`] ("proposals are never dropped silently");
//! as the progress condition of Lamport, "Paxos Made Simple" (2001), §2.4
//! (a distinguished proposer that can talk to a majority gets its value
//! chosen); and as Zab's liveness property (Junqueira, Reed, Serafini,
//! DSN 2011, §III: with a quorum up and a leader, proposals are delivered).
//!
//! The bound is the simulator's, not the check's: the simulator asks
//! [`Checker::settled`] once the run has had `settle_ticks` of quiet.

use std::collections::BTreeSet;

use super::{Checker, Observation, Settled};
use crate::contract::Command;
use crate::sim::report::{Breach, Invariant, ShowCommand};

#[derive(Clone, Debug, Default)]
pub struct Progress;

impl Checker for Progress {
    fn observe(&mut self, _obs: Observation<'_>) -> Result<(), Breach> {
        Ok(())
    }

    fn settled(&self, view: Settled<'_>) -> Result<(), Breach> {
        for &(node, entries) in view.nodes {
            let held: BTreeSet<&Command> = entries.iter().map(|e| &e.1).collect();
            let missing: Vec<String> = view
                .expected
                .iter()
                .filter(|c| !held.contains(c))
                .map(|c| ShowCommand(c).to_string())
                .collect();
            if !missing.is_empty() {
                return Err(Breach::new(
                    Invariant::Progress,
                    format!(
                        "after faults stopped, node {node} never committed {} of the proposed \
                         commands: {}",
                        missing.len(),
                        missing.join(" ")
                    ),
                ));
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
    fn every_expected_command_at_every_live_node_is_progress() {
        let full = entries(&[(1, 10), (2, 11)]);
        let nodes = [(1, full.as_slice()), (2, full.as_slice())];
        let expected = [cmd(11), cmd(10)];
        Progress
            .settled(Settled {
                nodes: &nodes,
                expected: &expected,
            })
            .unwrap();
    }

    #[test]
    fn a_command_missing_at_one_node_is_caught() {
        let full = entries(&[(1, 10), (2, 11)]);
        let short = entries(&[(1, 10)]);
        let nodes = [(1, full.as_slice()), (3, short.as_slice())];
        let expected = [cmd(10), cmd(11)];
        let breach = Progress
            .settled(Settled {
                nodes: &nodes,
                expected: &expected,
            })
            .unwrap_err();
        assert_eq!(breach.invariant, Invariant::Progress);
        assert!(breach.detail.contains("node 3") && breach.detail.contains("#11"));
        let nobody = [(1, full.as_slice())];
        let breach = Progress
            .settled(Settled {
                nodes: &nobody,
                expected: &[cmd(12)],
            })
            .unwrap_err();
        assert!(breach.detail.contains("#12"));
    }
}
