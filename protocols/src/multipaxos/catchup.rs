//! Catch-up of lagging replicas from chosen entries, and compaction.

use std::collections::BTreeMap;

use super::messages::{Msg, Slot, Vote};
use super::{Ballot, MAX_CATCH_UP_BATCH, MultiPaxos, Out, Record, RoleState};
use crate::contract::{Action, RejectReason};
use crate::types::{NodeId, Zxid};

impl MultiPaxos {
    /// `from` has committed up to `upto`; send it the chosen entries after
    /// that, or have the host send a snapshot if they are compacted away.
    /// Any role serves: committed entries are facts, whoever holds them.
    pub(super) fn serve_catch_up(&mut self, from: NodeId, upto: Slot, out: &mut Out) {
        let next = upto.saturating_add(1);
        if next > self.committed.counter() {
            return;
        }
        if next <= self.durable.compacted.counter() {
            if let RoleState::Leader(l) = &mut self.role
                && !l.snapshot_sent.insert(from)
            {
                return;
            }
            out.push(Action::SendSnapshot { to: from });
            return;
        }
        let entries: BTreeMap<Slot, Vote> = self
            .durable
            .accepted
            .range(next..=self.committed.counter())
            .take(MAX_CATCH_UP_BATCH)
            .map(|(s, v)| (*s, v.clone()))
            .collect();
        if entries.is_empty() {
            return;
        }
        let ballot = self.durable.promised;
        out.send(from, Msg::CatchUp { ballot, entries });
    }

    /// Chosen entries from a replica that has them. Each is recorded as a
    /// vote (in a ballot it was chosen in, unless this node already voted
    /// for the same entry in a higher one) before it is committed, so that
    /// this node can serve it in turn after a restart.
    pub(super) fn on_catch_up(
        &mut self,
        from: NodeId,
        ballot: Ballot,
        entries: BTreeMap<Slot, Vote>,
        out: &mut Out,
    ) {
        let full = entries.len() >= MAX_CATCH_UP_BATCH;
        let before = self.committed;
        for (slot, vote) in entries {
            if slot <= self.committed.counter() {
                continue;
            }
            if slot != self.committed.counter() + 1 {
                break;
            }
            let known = self
                .durable
                .accepted
                .get(&slot)
                .is_some_and(|v| v.entry == vote.entry && v.ballot >= vote.ballot);
            if !known {
                self.persist(
                    Record::Accept {
                        slot,
                        vote: vote.clone(),
                    },
                    out,
                );
            }
            self.commit_entry(slot, vote.entry, out);
        }
        if ballot >= self.durable.promised && ballot.node == from {
            self.observe(ballot, out);
            self.follow(ballot, out);
        }
        if full && self.committed > before {
            // A full batch: more may follow, ask for it now rather than at
            // the next heartbeat.
            let upto = self.committed.counter();
            let ballot = self.durable.promised;
            out.send(from, Msg::Behind { ballot, upto });
        }
    }

    /// The host's snapshot holds every commit up to `upto`: forget the
    /// votes up to there, durably.
    pub(super) fn compact_upto(&mut self, upto: Zxid, out: &mut Out) {
        let upto = upto.min(self.committed);
        if upto > self.durable.compacted {
            self.persist(Record::Compact(upto), out);
        }
    }

    /// The host installed a peer's snapshot holding every commit up to
    /// `at`: continue after it, and ask the leader for what follows.
    pub(super) fn install_snapshot(&mut self, at: Zxid, out: &mut Out) {
        if at <= self.committed {
            return;
        }
        // Votes up to `at` may hold values that lost; the snapshot holds the
        // chosen ones.
        self.persist(Record::Compact(at), out);
        self.committed = at;
        // The snapshot may hold commits of proposals waiting here; this
        // node will never see them committed, and forwarding them forever
        // would commit them again and again. Their outcome is unknown to
        // us: hand them back as abandoned (ZooKeeper's connection loss).
        self.waited.clear();
        for command in std::mem::take(&mut self.pending) {
            out.push(Action::Rejected {
                command,
                reason: RejectReason::Abandoned,
            });
        }
        match self.role {
            RoleState::Follower {
                leader: Some(leader),
            } => {
                let ballot = self.durable.promised;
                out.send(
                    leader,
                    Msg::Behind {
                        ballot,
                        upto: at.counter(),
                    },
                );
            }
            RoleState::Follower { leader: None } => {}
            // A leader or candidate whose first unknown slot moved under it
            // would propose in slots already chosen: start over.
            _ => self.become_follower(None, out),
        }
    }
}
