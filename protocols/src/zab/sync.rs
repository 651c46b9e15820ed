//! Synchronization (Zab phase 2): how the leader brings a follower's
//! history in line with its own — DIFF, TRUNC or a snapshot (ZooKeeper's
//! `LearnerHandler.syncFollower`) — how the follower applies it, and
//! compaction and snapshot installation, which decide where DIFF ends and
//! SNAP begins.

use std::collections::BTreeMap;

use super::messages::{Msg, Sync};
use super::{FollowerPhase, Out, PeerPhase, Record, RoleState, Zab};
use crate::contract::{Action, Command, Core};
use crate::types::{NodeId, Zxid};

/// What the leader must do to bring a follower whose history ends at a
/// given zxid in line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Plan {
    Send(Sync),
    /// The follower is behind what the leader compacted.
    Snapshot,
}

impl Zab {
    /// The way from a follower's history, ending at `theirs`, to ours.
    ///
    /// Histories are prefixes of one chain of leaders' histories and one
    /// zxid names one proposal (a single leader per epoch assigns them), so
    /// the follower shares our history up to the last zxid we hold at or
    /// below `theirs`, and anything it holds beyond that is not ours.
    pub(super) fn plan_sync(&self, theirs: Zxid) -> Plan {
        let d = &self.durable;
        if theirs < d.compacted {
            return Plan::Snapshot;
        }
        let after = |base: Zxid| -> BTreeMap<Zxid, Command> {
            d.history
                .range(Zxid(base.0.saturating_add(1))..)
                .map(|(z, c)| (*z, c.clone()))
                .collect()
        };
        if theirs == d.compacted || d.history.contains_key(&theirs) {
            return Plan::Send(Sync::Diff {
                base: theirs,
                entries: after(theirs),
            });
        }
        let base = d
            .history
            .range(..theirs)
            .next_back()
            .map_or(d.compacted, |(z, _)| *z);
        Plan::Send(Sync::Trunc {
            base,
            entries: after(base),
        })
    }

    /// Sends `peer` its NEWLEADER (or has the host stream it a snapshot
    /// first). From now on it also gets every new PROPOSE.
    pub(super) fn sync_follower(&mut self, peer: NodeId, theirs: Zxid, out: &mut Out) {
        let plan = self.plan_sync(theirs);
        let (last, committed) = (self.durable.last(), self.committed);
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        let epoch = l.epoch;
        let Some(p) = l.peers.get_mut(&peer) else {
            return;
        };
        match plan {
            Plan::Snapshot => {
                p.phase = PeerPhase::Snapshot { last: theirs };
                out.push(Action::SendSnapshot { to: peer });
            }
            Plan::Send(sync) => {
                p.phase = PeerPhase::Syncing;
                p.acked = Zxid::ZERO;
                p.acked_before = Zxid::ZERO;
                let msg = Msg::NewLeader {
                    epoch,
                    sync,
                    last,
                    committed,
                };
                out.send(peer, msg);
            }
        }
    }

    /// NEWLEADER at a follower that acked the epoch: take the leader's
    /// history, persist it and the epoch as current, then ACKLD.
    pub(super) fn on_new_leader(
        &mut self,
        epoch: u32,
        sync: Sync,
        last: Zxid,
        committed: Zxid,
        out: &mut Out,
    ) {
        let RoleState::Following(f) = &self.role else {
            return;
        };
        if f.phase != FollowerPhase::AwaitNewLeader || epoch != self.durable.accepted_epoch {
            return;
        }
        let leader = f.leader;
        let base = sync.base();
        if base < self.committed {
            // The leader would take back proposals we delivered: it cannot
            // be a leader holding every committed proposal. Look again.
            self.become_looking(out);
            return;
        }
        if matches!(sync, Sync::Trunc { .. }) && self.durable.last() > base {
            self.persist(Record::Truncate(base), out);
        }
        if self.durable.last() != base {
            // Our history moved since we acked the epoch (a snapshot was
            // installed): ack again from where it ends now.
            self.send_ack_epoch(leader, out);
            return;
        }
        let entries = match sync {
            Sync::Diff { entries, .. } | Sync::Trunc { entries, .. } => entries,
        };
        for (zxid, command) in entries {
            self.persist(Record::Append { zxid, command }, out);
        }
        if self.durable.current_epoch != epoch {
            self.persist(Record::CurrentEpoch(epoch), out);
            out.push(Action::StatusChanged(self.status()));
        }
        self.commit_upto(committed, out);
        if let RoleState::Following(f) = &mut self.role {
            f.phase = FollowerPhase::Synced;
            f.ahead.clear();
        }
        out.send(leader, Msg::AckLd { epoch, last });
    }

    /// The host's snapshot holds every commit up to `upto`: forget the
    /// history up to there, durably.
    pub(super) fn compact_upto(&mut self, upto: Zxid, out: &mut Out) {
        let upto = upto.min(self.committed);
        if upto > self.durable.compacted {
            self.persist(Record::Compact(upto), out);
        }
    }

    /// The host installed a peer's snapshot holding every commit up to
    /// `at`: continue after it.
    pub(super) fn install_snapshot(&mut self, at: Zxid, out: &mut Out) {
        if at <= self.committed {
            return;
        }
        // Our history up to `at` may hold proposals that lost; the
        // snapshot holds the committed ones.
        self.persist(Record::Compact(at), out);
        self.committed = at;
        // Writes waiting here may have been committed inside the snapshot,
        // unseen: their outcome is unknown, hand them back.
        for (command, _) in std::mem::take(&mut self.outstanding) {
            out.push(Action::Rejected {
                command,
                reason: crate::contract::RejectReason::Abandoned,
            });
        }
        match &self.role {
            RoleState::Looking(_) => {}
            RoleState::Following(f) => {
                let leader = f.leader;
                match f.phase {
                    // The SNAP of our sync: ack the epoch again from here.
                    FollowerPhase::AwaitNewLeader => self.send_ack_epoch(leader, out),
                    FollowerPhase::Discovery => {}
                    // A snapshot from a later epoch than our leader's: it
                    // is stale.
                    _ if at.epoch() > self.durable.current_epoch => self.become_looking(out),
                    // Every committed zxid of an epoch up to ours is in our
                    // leader's history: we go on from `at`, and proposals
                    // kept ahead of a gap may now be next.
                    _ => {
                        if let RoleState::Following(f) = &mut self.role {
                            f.ahead = f.ahead.split_off(&Zxid(at.0.saturating_add(1)));
                        }
                    }
                }
            }
            // Someone committed beyond us: we are a stale leader.
            RoleState::Leading(_) => self.become_looking(out),
        }
    }
}
