//! Ballots: the totally ordered proposal numbers of Paxos.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::types::NodeId;

/// A ballot `(round, node)`, ordered by round and then by node, so two
/// candidates never share one (Paxos Made Simple, §2.5: different
/// proposers choose their numbers from disjoint sets). The derived `Ord`
/// follows the field order, which is what makes that ordering hold.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Ballot {
    pub round: u32,
    pub node: NodeId,
}

impl Ballot {
    /// Below every ballot a node can campaign with: what a fresh acceptor
    /// has promised.
    pub const ZERO: Ballot = Ballot { round: 0, node: 0 };

    pub fn new(round: u32, node: NodeId) -> Ballot {
        Ballot { round, node }
    }

    /// The smallest ballot of `node` above `self`.
    pub fn next_for(self, node: NodeId) -> Ballot {
        Ballot {
            round: self.round.saturating_add(1),
            node,
        }
    }
}

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.round, self.node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballots_order_by_round_then_node() {
        assert!(Ballot::new(1, 9) < Ballot::new(2, 1));
        assert!(Ballot::new(2, 1) < Ballot::new(2, 3));
        assert!(Ballot::ZERO < Ballot::new(1, 1));
        assert_eq!(Ballot::new(2, 3).next_for(1), Ballot::new(3, 1));
        assert_eq!(Ballot::new(4, 2).to_string(), "4.2");
    }
}
