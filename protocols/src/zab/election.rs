//! Fast leader election (ZooKeeper's `FastLeaderElection.lookForLeader`),
//! one notification at a time instead of a blocking loop.

use super::messages::{Msg, PeerState, Vote};
use super::{Out, RoleState, Zab};
use crate::types::NodeId;

impl Zab {
    /// A notification reaches a LOOKING server.
    pub(super) fn on_notification_looking(
        &mut self,
        from: NodeId,
        vote: Vote,
        round: u32,
        state: PeerState,
        out: &mut Out,
    ) {
        match state {
            PeerState::Looking => self.on_looking_vote(from, vote, round, out),
            PeerState::Following | PeerState::Leading => {
                self.on_settled_vote(from, vote, round, state, out)
            }
        }
    }

    /// FLE's LOOKING case.
    fn on_looking_vote(&mut self, from: NodeId, vote: Vote, round: u32, out: &mut Out) {
        if round < self.round {
            // A lagging peer: tell it our round and vote so it catches up.
            out.send(from, self.notification());
            return;
        }
        let RoleState::Looking(e) = &mut self.role else {
            return;
        };
        let mut changed = false;
        if round > self.round {
            // A newer round: start it over, with the better of the peer's
            // vote and our own initial one.
            self.round = round;
            e.received.clear();
            let own = Vote {
                epoch: self.durable.current_epoch,
                zxid: self.durable.last(),
                leader: self.id,
            };
            self.vote = own.max(vote);
            changed = true;
        } else if vote > self.vote {
            self.vote = vote;
            changed = true;
        }
        e.received.insert(self.id, self.vote);
        e.received.insert(from, vote);
        if changed {
            self.broadcast(&self.notification(), out);
        }
        self.check_election(out);
    }

    /// FLE's FOLLOWING/LEADING case: a peer already settled.
    fn on_settled_vote(
        &mut self,
        from: NodeId,
        vote: Vote,
        round: u32,
        state: PeerState,
        out: &mut Out,
    ) {
        let RoleState::Looking(e) = &mut self.role else {
            return;
        };
        e.settled.insert(from, (vote, state, round));
        if round == self.round {
            e.received.insert(from, vote);
            if self.quorum_for(vote, true) && self.leader_confirmed(vote.leader) {
                return self.settle(vote, out);
            }
        }
        // An ensemble that already runs: follow its leader once a quorum
        // says so and the leader itself said LEADING.
        if vote.leader != self.id
            && self.quorum_for(vote, false)
            && self.leader_confirmed(vote.leader)
        {
            self.round = round;
            self.settle(vote, out);
        }
    }

    /// FLE's `checkLeader`: following someone else needs its own word that
    /// it leads.
    fn leader_confirmed(&self, leader: NodeId) -> bool {
        let RoleState::Looking(e) = &self.role else {
            return false;
        };
        leader == self.id
            || e.settled
                .get(&leader)
                .is_some_and(|(_, s, _)| *s == PeerState::Leading)
    }

    /// FLE's `termPredicate`: a quorum of this round's votes (`received`)
    /// equal `vote`, or a quorum of settled peers name `vote`'s leader.
    fn quorum_for(&self, vote: Vote, this_round: bool) -> bool {
        let RoleState::Looking(e) = &self.role else {
            return false;
        };
        let agreeing = if this_round {
            e.received
                .iter()
                .filter(|(_, v)| **v == vote)
                .map(|(n, _)| *n)
                .collect()
        } else {
            e.settled
                .iter()
                .filter(|(_, (v, _, _))| v.leader == vote.leader)
                .map(|(n, _)| *n)
                .collect()
        };
        self.config.is_quorum(&agreeing)
    }

    /// After a change of vote or tally: settled once a quorum agrees with
    /// this server's vote.
    pub(super) fn check_election(&mut self, out: &mut Out) {
        if matches!(self.role, RoleState::Looking(_)) && self.quorum_for(self.vote, true) {
            self.settle(self.vote, out);
        }
    }

    fn settle(&mut self, vote: Vote, out: &mut Out) {
        self.vote = vote;
        if vote.leader == self.id {
            self.become_leading(out);
        } else {
            self.become_following(vote.leader, out);
        }
    }

    /// The notification this server sends, for tests and transcripts.
    pub fn current_notification(&self) -> Msg {
        self.notification()
    }
}
