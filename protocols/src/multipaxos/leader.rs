//! The leader: phase 1 as a candidate (PMMC's scout), phase 2 per slot
//! (PMMC's commanders), heartbeats and check-quorum.

use std::collections::{BTreeMap, BTreeSet};

use super::messages::{Entry, Msg, Slot, Vote};
use super::{
    Ballot, CandidateState, InFlight, LeaderState, MultiPaxos, Out, Record, RoleState, Timer,
};
use crate::contract::{Action, Command, Core};
use crate::types::{NodeId, Zxid};

impl MultiPaxos {
    /// Phase 1b arrives at the candidate.
    pub(super) fn on_promise(
        &mut self,
        from: NodeId,
        ballot: Ballot,
        votes: BTreeMap<Slot, Vote>,
        compacted: Zxid,
        out: &mut Out,
    ) {
        let RoleState::Candidate(c) = &mut self.role else {
            return;
        };
        if ballot != c.ballot {
            return;
        }
        if compacted.counter() >= c.first {
            // The promiser forgot votes for slots we do not know: they are
            // chosen, but only its snapshot holds them. We cannot lead
            // without them; fetch them and let an up-to-date node lead.
            let upto = self.committed.counter();
            self.become_follower(None, out);
            out.send(from, Msg::Behind { ballot, upto });
            return;
        }
        c.promises.insert(from, votes);
        self.check_promise_quorum(out);
    }

    pub(super) fn check_promise_quorum(&mut self, out: &mut Out) {
        if let RoleState::Candidate(c) = &self.role {
            let promisers: BTreeSet<NodeId> = c.promises.keys().copied().collect();
            if self.config.is_quorum(&promisers) {
                self.become_leader(out);
            }
        }
    }

    /// Phase 1 is complete: re-propose, for every slot a promiser voted in,
    /// the entry of the highest ballot (PMS P2c), fill the holes below the
    /// last such slot with no-ops (PMS §3), then propose what was waiting.
    pub(super) fn become_leader(&mut self, out: &mut Out) {
        let RoleState::Candidate(CandidateState {
            ballot,
            first,
            promises,
        }) = &self.role
        else {
            return;
        };
        let (ballot, first) = (*ballot, *first);
        let mut highest: BTreeMap<Slot, Vote> = BTreeMap::new();
        for (slot, vote) in promises.values().flatten() {
            if highest.get(slot).is_none_or(|h| h.ballot < vote.ballot) {
                highest.insert(*slot, vote.clone());
            }
        }
        let last = highest.keys().next_back().copied().unwrap_or(0);
        self.role = RoleState::Leader(LeaderState {
            ballot,
            next_slot: first,
            in_flight: BTreeMap::new(),
            heard: BTreeSet::new(),
            snapshot_sent: BTreeSet::new(),
        });
        out.cancel_timer(Timer::Election);
        out.set_timer(Timer::Heartbeat, self.config.heartbeat.max(1));
        out.set_timer(Timer::CheckQuorum, self.config.sync_limit.max(1));
        out.push(Action::StatusChanged(self.status()));
        for slot in first..=last {
            let entry = highest
                .remove(&slot)
                .map_or_else(|| Entry::noop(ballot.round), |v| v.entry);
            self.propose_entry(entry, out);
        }
        for command in self.pending.clone() {
            self.propose_command(command, out);
        }
        // Announce the new leader at once rather than at the first heartbeat.
        self.broadcast_chosen(out);
        self.advance_commit(out);
    }

    /// Phase 2a for a new command in the next free slot.
    /// A command already in flight (forwarded again, or re-proposed from
    /// phase 1) is not proposed twice.
    pub(super) fn propose_command(&mut self, command: Command, out: &mut Out) {
        if let RoleState::Leader(l) = &self.role
            && l.in_flight
                .values()
                .any(|f| f.entry.command.as_ref() == Some(&command))
        {
            return;
        }
        let round = self.durable.promised.round;
        self.propose_entry(Entry::command(round, command), out);
    }

    /// Phase 2a: the leader votes for `entry` itself (persisted before any
    /// peer hears of it) and asks every peer to vote.
    fn propose_entry(&mut self, entry: Entry, out: &mut Out) {
        let RoleState::Leader(l) = &mut self.role else {
            return;
        };
        let (ballot, slot) = (l.ballot, l.next_slot);
        l.next_slot += 1;
        l.in_flight.insert(
            slot,
            InFlight {
                entry: entry.clone(),
                votes: BTreeSet::from([self.id]),
            },
        );
        let vote = Vote {
            ballot,
            entry: entry.clone(),
        };
        self.persist(Record::Accept { slot, vote }, out);
        self.broadcast(
            &Msg::Accept {
                ballot,
                slot,
                entry,
            },
            out,
        );
    }

    /// Phase 2b arrives at the leader.
    pub(super) fn on_accepted(&mut self, from: NodeId, ballot: Ballot, slot: Slot, out: &mut Out) {
        let RoleState::Leader(l) = &mut self.role else {
            return;
        };
        if ballot != l.ballot {
            return;
        }
        l.heard.insert(from);
        if let Some(f) = l.in_flight.get_mut(&slot) {
            f.votes.insert(from);
        }
        self.advance_commit(out);
    }

    /// Commits, in slot order, every slot a quorum voted for in this
    /// ballot, and tells the replicas how far the chosen prefix reaches.
    pub(super) fn advance_commit(&mut self, out: &mut Out) {
        let mut advanced = false;
        loop {
            let next = self.committed.counter() + 1;
            let RoleState::Leader(l) = &mut self.role else {
                return;
            };
            match l.in_flight.get(&next) {
                Some(f) if self.config.is_quorum(&f.votes) => {}
                _ => break,
            }
            let Some(f) = l.in_flight.remove(&next) else {
                break;
            };
            self.commit_entry(next, f.entry, out);
            advanced = true;
        }
        if advanced {
            self.broadcast_chosen(out);
        }
    }

    pub(super) fn broadcast_chosen(&self, out: &mut Out) {
        if let RoleState::Leader(l) = &self.role {
            let msg = Msg::Chosen {
                ballot: l.ballot,
                upto: self.committed.counter(),
            };
            self.broadcast(&msg, out);
        }
    }

    /// Heartbeat: tell every replica the chosen prefix again, and send
    /// again every accept a peer has not answered.
    pub(super) fn heartbeat(&mut self, out: &mut Out) {
        let RoleState::Leader(l) = &self.role else {
            return;
        };
        self.broadcast_chosen(out);
        for (slot, f) in &l.in_flight {
            if self.config.is_quorum(&f.votes) {
                continue;
            }
            for peer in self.peers() {
                if !f.votes.contains(&peer) {
                    let msg = Msg::Accept {
                        ballot: l.ballot,
                        slot: *slot,
                        entry: f.entry.clone(),
                    };
                    out.send(peer, msg);
                }
            }
        }
        out.set_timer(Timer::Heartbeat, self.config.heartbeat.max(1));
    }

    /// A leader that heard from no quorum for `sync_limit` ticks steps down
    /// rather than hold on to a leadership it may have lost.
    pub(super) fn check_quorum(&mut self, out: &mut Out) {
        let RoleState::Leader(l) = &mut self.role else {
            return;
        };
        let mut alive = std::mem::take(&mut l.heard);
        alive.insert(self.id);
        l.snapshot_sent.clear();
        if self.config.is_quorum(&alive) {
            out.set_timer(Timer::CheckQuorum, self.config.sync_limit.max(1));
        } else {
            self.become_follower(None, out);
        }
    }

    /// A follower's answer to `Chosen` (`Learned`, or `Behind` with what
    /// it has committed): it is alive; if it is behind, send what it lacks.
    pub(super) fn on_learned(
        &mut self,
        from: NodeId,
        ballot: Ballot,
        behind: Option<Slot>,
        out: &mut Out,
    ) {
        if let RoleState::Leader(l) = &mut self.role
            && ballot == l.ballot
        {
            l.heard.insert(from);
            if behind.is_none_or(|upto| upto >= self.durable.compacted.counter()) {
                l.snapshot_sent.remove(&from);
            }
        }
        if let Some(upto) = behind {
            self.serve_catch_up(from, upto, out);
        }
    }
}
