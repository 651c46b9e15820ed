//! The acceptor (Paxos Made Simple §2.2 and §2.5; PMMC's acceptor): promises
//! and votes, each persisted before the answer that reveals it is sent.

use super::messages::{Entry, Msg, Slot, Vote};
use super::{Ballot, MultiPaxos, Out, Record, RoleState};
use crate::types::NodeId;

impl MultiPaxos {
    /// Phase 1b. PMS P1a: "an acceptor can accept a proposal numbered n iff
    /// it has not responded to a prepare request having a number greater
    /// than n"; a promise answers with every vote from `first` on.
    pub(super) fn on_prepare(&mut self, from: NodeId, ballot: Ballot, first: Slot, out: &mut Out) {
        let promised = self.durable.promised;
        if ballot < promised && !self.skips_promise_check() {
            out.send(from, Msg::Nack { promised });
            return;
        }
        if ballot != promised {
            self.persist(Record::Promise(ballot), out);
            // Whoever we followed or led is pre-empted by this candidate.
            match self.role {
                RoleState::Follower { leader: None } => self.arm_election_timer(out),
                _ => self.become_follower(None, out),
            }
        }
        let votes = self
            .durable
            .accepted
            .range(first..)
            .map(|(s, v)| (*s, v.clone()))
            .collect();
        out.send(
            from,
            Msg::Promise {
                ballot,
                votes,
                compacted: self.durable.compacted,
            },
        );
    }

    /// Phase 2b: votes for `entry` in `slot` unless a higher ballot was
    /// promised, and follows the ballot's leader.
    pub(super) fn on_accept(
        &mut self,
        from: NodeId,
        ballot: Ballot,
        slot: Slot,
        entry: Entry,
        out: &mut Out,
    ) {
        let promised = self.durable.promised;
        if ballot < promised && !self.skips_promise_check() {
            out.send(from, Msg::Nack { promised });
            return;
        }
        let vote = Vote { ballot, entry };
        // A slot at or below the compaction point is chosen and its entry
        // sits in the snapshot: acknowledging it again changes nothing.
        if slot > self.durable.compacted.counter()
            && self.durable.accepted.get(&slot) != Some(&vote)
        {
            self.persist(Record::Accept { slot, vote }, out);
        } else {
            self.observe(ballot, out);
        }
        self.follow(ballot, out);
        out.send(from, Msg::Accepted { ballot, slot });
    }

    /// Treats the sender of `ballot` (no lower than the promise) as the
    /// leader: follows it, and hears from it (re-arms the election timer).
    pub(super) fn follow(&mut self, ballot: Ballot, out: &mut Out) {
        match &self.role {
            RoleState::Follower { leader: Some(l) } if *l == ballot.node => {
                self.arm_election_timer(out);
            }
            RoleState::Leader(l) if l.ballot == ballot => {}
            _ => self.become_follower(Some(ballot.node), out),
        }
    }
}
