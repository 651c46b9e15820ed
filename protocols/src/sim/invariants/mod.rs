//! The properties checked after every step, one per file, each citing where
//! it is stated. The stateright models in `model-check` use the same names.
//!
//! A checker sees the run only through [`Observation`]s (and, once the fault
//! phase is over, a [`Settled`] view of the live nodes), so each one can be
//! fed a hand-made history in its unit tests and shown to fail.

mod agreement;
mod commit_order;
mod durability;
mod progress;
mod validity;

pub use agreement::Agreement;
pub use commit_order::CommitOrder;
pub use durability::Durability;
pub use progress::Progress;
pub use validity::Validity;

use super::report::Breach;
use crate::contract::Command;
use crate::types::{NodeId, Zxid};

/// One committed entry of a state machine: the simulated state machine is
/// the committed sequence itself.
pub type Entry = (Zxid, Command);

/// What the simulator tells the checkers, as it happens.
#[derive(Clone, Copy, Debug)]
pub enum Observation<'a> {
    /// A client proposed `command` at `node`.
    Proposed { node: NodeId, command: &'a Command },
    /// `node`'s core emitted `Commit { zxid, command }` and the host applied it.
    Commit {
        node: NodeId,
        zxid: Zxid,
        command: &'a Command,
    },
    /// `node` crashed: its state machine shrank back to its last snapshot.
    Crashed { node: NodeId },
    /// `node` restarted holding `kept`, its last snapshot.
    Restarted { node: NodeId, kept: &'a [Entry] },
    /// `node` replaced its state machine with `entries`, a snapshot streamed
    /// by `from`.
    SnapshotInstalled {
        node: NodeId,
        from: NodeId,
        entries: &'a [Entry],
    },
}

/// The live nodes' state machines after the fault phase, and the commands
/// clients still expect to see committed.
#[derive(Clone, Copy, Debug)]
pub struct Settled<'a> {
    pub nodes: &'a [(NodeId, &'a [Entry])],
    /// Every command proposed and not given up by its client.
    pub expected: &'a [Command],
}

pub trait Checker {
    /// Checks one observation against everything seen before.
    fn observe(&mut self, obs: Observation<'_>) -> Result<(), Breach>;

    /// Checks the cluster once faults have stopped and it had time to
    /// settle. Only liveness-flavoured checkers look at it.
    fn settled(&self, _view: Settled<'_>) -> Result<(), Breach> {
        Ok(())
    }
}

/// Every checker, in the order a breach is reported: durability before
/// agreement, so that a lost commit is named as such.
#[derive(Clone, Debug, Default)]
pub struct Invariants {
    validity: Validity,
    durability: Durability,
    agreement: Agreement,
    commit_order: CommitOrder,
    progress: Progress,
}

impl Invariants {
    pub fn observe(&mut self, obs: Observation<'_>) -> Result<(), Breach> {
        self.validity.observe(obs)?;
        self.durability.observe(obs)?;
        self.agreement.observe(obs)?;
        self.commit_order.observe(obs)?;
        self.progress.observe(obs)
    }

    pub fn settled(&self, view: Settled<'_>) -> Result<(), Breach> {
        self.validity.settled(view)?;
        self.durability.settled(view)?;
        self.agreement.settled(view)?;
        self.commit_order.settled(view)?;
        self.progress.settled(view)
    }

    /// How many distinct zxids were committed somewhere.
    pub fn chosen(&self) -> usize {
        self.agreement.chosen()
    }

    /// How many commands were committed at more than one zxid.
    pub fn ordered_twice(&self) -> usize {
        self.agreement.ordered_twice()
    }
}

/// Whether `entries` is a prefix of `of`, and where it first differs.
pub(crate) fn first_difference(entries: &[Entry], of: &[Entry]) -> Option<usize> {
    entries
        .iter()
        .enumerate()
        .find(|(i, e)| of.get(*i) != Some(*e))
        .map(|(i, _)| i)
}

#[cfg(test)]
pub(crate) mod history {
    //! Builders for hand-made histories.
    use super::*;

    pub fn cmd(n: u64) -> Command {
        n.to_be_bytes().to_vec()
    }

    pub fn z(counter: u32) -> Zxid {
        Zxid::new(1, counter)
    }

    pub fn entries(list: &[(u32, u64)]) -> Vec<Entry> {
        list.iter().map(|&(c, n)| (z(c), cmd(n))).collect()
    }

    /// Feeds `node` committing each (counter, command) in turn.
    pub fn commit_all(
        checker: &mut impl Checker,
        node: NodeId,
        list: &[(u32, u64)],
    ) -> Result<(), Breach> {
        for (zxid, command) in entries(list) {
            checker.observe(Observation::Commit {
                node,
                zxid,
                command: &command,
            })?;
        }
        Ok(())
    }
}
