//! The learner side of a replica, and what non-leaders do with proposals.

use std::collections::BTreeSet;

use super::messages::{Msg, Slot};
use super::{Ballot, MAX_PENDING, MultiPaxos, Out, RoleState, Timer};
use crate::contract::{Action, Command, RejectReason};
use crate::types::NodeId;

impl MultiPaxos {
    /// The leader of `ballot` says every slot up to `upto` is chosen. Commit
    /// the slots whose vote here was cast in `ballot` (that vote holds the
    /// chosen entry); a vote from any other ballot may hold a value that
    /// lost, so stop there and answer `Behind` to get the chosen entries.
    pub(super) fn on_chosen(&mut self, from: NodeId, ballot: Ballot, upto: Slot, out: &mut Out) {
        let promised = self.durable.promised;
        if ballot < promised {
            out.send(from, Msg::Nack { promised });
            return;
        }
        self.observe(ballot, out);
        self.follow(ballot, out);
        while self.committed.counter() < upto {
            let slot = self.committed.counter() + 1;
            match self.durable.accepted.get(&slot) {
                Some(vote) if vote.ballot == ballot => {
                    let entry = vote.entry.clone();
                    self.commit_entry(slot, entry, out);
                }
                _ => break,
            }
        }
        let (reached, committed) = (upto, self.committed.counter());
        let answer = if committed < reached {
            Msg::Behind {
                ballot,
                upto: committed,
            }
        } else {
            Msg::Learned {
                ballot,
                upto: committed,
            }
        };
        out.send(from, answer);
    }

    /// A proposal at a non-leader: forward it to the known leader, or hold
    /// it until one is known. Either way keep it until it is seen
    /// committed, up to [`MAX_PENDING`] proposals; beyond that, reject.
    pub(super) fn hold_or_forward(&mut self, command: Command, out: &mut Out) {
        let leader = self.known_leader();
        if self.pending.len() >= MAX_PENDING {
            out.push(Action::Rejected {
                command,
                reason: RejectReason::NotLeader { leader },
            });
            return;
        }
        let first_waiting = self.pending.is_empty();
        self.pending.push(command.clone());
        if let Some(leader) = leader {
            // Arm only for the first waiting proposal: re-arming at every
            // proposal would postpone the retry forever under steady load.
            if first_waiting {
                self.waited = BTreeSet::from([command.clone()]);
                out.send(leader, Msg::Forward { command });
                out.set_timer(Timer::Reforward, self.reforward_after());
            } else {
                out.send(leader, Msg::Forward { command });
            }
        }
    }

    /// Forwards every proposal still waiting to `leader` (a new leader).
    pub(super) fn forward_pending(&mut self, leader: NodeId, out: &mut Out) {
        let all: Vec<Command> = self.pending.clone();
        self.forward(leader, all, out);
    }

    /// The `Reforward` timer fired: a `Forward` may have been lost. Re-send
    /// only what was already waiting when the timer was armed.
    pub(super) fn reforward(&mut self, out: &mut Out) {
        if let RoleState::Follower {
            leader: Some(leader),
        } = self.role
        {
            let stale: Vec<Command> = self
                .pending
                .iter()
                .filter(|c| self.waited.contains(*c))
                .cloned()
                .collect();
            self.forward(leader, stale, out);
        }
    }

    /// Sends `commands` to `leader`, and arms the retry for everything now
    /// waiting.
    fn forward(&mut self, leader: NodeId, commands: Vec<Command>, out: &mut Out) {
        if self.pending.is_empty() {
            return;
        }
        for command in commands {
            out.send(leader, Msg::Forward { command });
        }
        self.waited = self.pending.iter().cloned().collect();
        out.set_timer(Timer::Reforward, self.reforward_after());
    }

    /// Long enough for a forwarded proposal to be committed in a healthy
    /// cluster, so that re-forwarding rarely duplicates one.
    fn reforward_after(&self) -> crate::types::Ticks {
        self.config.sync_limit.max(1).saturating_mul(2)
    }
}
