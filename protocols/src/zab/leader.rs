//! The leader's side of discovery and synchronization (ZooKeeper's
//! `Leader.lead` and `LearnerHandler`), heartbeats and the quorum check.

use std::collections::BTreeSet;

use super::messages::{Msg, Timer};
use super::{LeaderPhase, Out, Peer, PeerPhase, Record, RoleState, Zab};
use crate::contract::{Action, Core};
use crate::types::{NodeId, Zxid};

impl Zab {
    /// CEPOCH: a learner connects (or reconnects to resync). Before the
    /// epoch is chosen it counts towards the discovery quorum; after, it is
    /// told the epoch at once (a late joiner).
    pub(super) fn on_cepoch(&mut self, from: NodeId, accepted_epoch: u32, out: &mut Out) {
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        let past_discovery = l
            .peers
            .get(&from)
            .is_some_and(|p| !matches!(p.phase, PeerPhase::CEpoch(_) | PeerPhase::NewEpochSent));
        if past_discovery && l.phase != LeaderPhase::Discovery && accepted_epoch < l.epoch {
            // A late copy of the CEPOCH it sent before accepting our epoch;
            // a learner that really reconnects has accepted our epoch.
            return;
        }
        if l.phase != LeaderPhase::Discovery && accepted_epoch > l.epoch {
            // It promised a later epoch (to a leader that failed to
            // establish it) and will never ack ours: left alone it would
            // settle on us and be refused forever. Step down so the next
            // discovery picks an epoch above its promise.
            self.become_looking(out);
            return;
        }
        l.peers.insert(
            from,
            Peer {
                phase: PeerPhase::CEpoch(accepted_epoch),
                acked: Zxid::ZERO,
                acked_before: Zxid::ZERO,
            },
        );
        if l.phase == LeaderPhase::Discovery {
            self.check_cepoch_quorum(out);
        } else {
            let epoch = l.epoch;
            if let Some(p) = l.peers.get_mut(&from) {
                p.phase = PeerPhase::NewEpochSent;
            }
            out.send(from, Msg::NewEpoch { epoch });
        }
    }

    /// With CEPOCHs from a quorum (this server included), choose an epoch
    /// above every epoch they accepted (Zab, phase 1, step l.1.1).
    pub(super) fn check_cepoch_quorum(&mut self, out: &mut Out) {
        let id = self.id;
        let own = self.durable.accepted_epoch;
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        if l.phase != LeaderPhase::Discovery {
            return;
        }
        let mut voters: BTreeSet<NodeId> = BTreeSet::from([id]);
        let mut highest = own;
        for (peer, p) in &l.peers {
            if let PeerPhase::CEpoch(e) = p.phase {
                voters.insert(*peer);
                highest = highest.max(e);
            }
        }
        if !self.config.is_quorum(&voters) {
            return;
        }
        let epoch = highest.saturating_add(1);
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        l.epoch = epoch;
        l.phase = LeaderPhase::AwaitAckEpoch;
        let told: Vec<NodeId> = voters.into_iter().filter(|&v| v != id).collect();
        for peer in &told {
            if let Some(p) = l.peers.get_mut(peer) {
                p.phase = PeerPhase::NewEpochSent;
            }
        }
        self.persist(Record::AcceptedEpoch(epoch), out);
        for peer in told {
            out.send(peer, Msg::NewEpoch { epoch });
        }
        self.check_ack_epoch_quorum(out);
    }

    /// ACKEPOCH: the learner accepted our epoch and reports its history.
    pub(super) fn on_ack_epoch(
        &mut self,
        from: NodeId,
        epoch: u32,
        current_epoch: u32,
        last: Zxid,
        fresh: bool,
        out: &mut Out,
    ) {
        let ours = (self.durable.current_epoch, self.durable.last());
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        let Some(p) = l.peers.get_mut(&from) else {
            return;
        };
        let waiting = match p.phase {
            PeerPhase::NewEpochSent | PeerPhase::Syncing => true,
            // A re-send from before the snapshot arrived: one transfer at a
            // time (a lost one is retried when the learner reconnects).
            PeerPhase::Snapshot { last: before } => last != before,
            _ => false,
        };
        if epoch != l.epoch || !waiting {
            return;
        }
        if fresh && l.phase == LeaderPhase::AwaitAckEpoch && (current_epoch, last) > ours {
            // The follower's history is more recent than ours: we may lack
            // committed proposals. Give up; the next election prefers it.
            self.become_looking(out);
            return;
        }
        p.phase = PeerPhase::AckedEpoch { last, fresh };
        if l.phase == LeaderPhase::AwaitAckEpoch {
            self.check_ack_epoch_quorum(out);
        } else {
            self.sync_follower(from, last, out);
        }
    }

    /// With counting ACKEPOCHs from a quorum, our history is the new
    /// epoch's initial history: persist the epoch as current and bring
    /// every acked follower in line (phase 2).
    fn check_ack_epoch_quorum(&mut self, out: &mut Out) {
        let id = self.id;
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        if l.phase != LeaderPhase::AwaitAckEpoch {
            return;
        }
        let mut acked: BTreeSet<NodeId> = BTreeSet::from([id]);
        acked.extend(
            l.peers
                .iter()
                .filter(|(_, p)| matches!(p.phase, PeerPhase::AckedEpoch { fresh: true, .. }))
                .map(|(n, _)| *n),
        );
        if !self.config.is_quorum(&acked) {
            return;
        }
        l.phase = LeaderPhase::AwaitAckLd;
        let epoch = l.epoch;
        let to_sync: Vec<(NodeId, Zxid)> = l
            .peers
            .iter()
            .filter_map(|(n, p)| match p.phase {
                PeerPhase::AckedEpoch { last, .. } => Some((*n, last)),
                _ => None,
            })
            .collect();
        self.persist(Record::CurrentEpoch(epoch), out);
        out.push(Action::StatusChanged(self.status()));
        for (peer, last) in to_sync {
            self.sync_follower(peer, last, out);
        }
        self.check_ack_ld_quorum(out);
    }

    /// ACKLD: the learner's history equals ours up to `last`.
    pub(super) fn on_ack_ld(&mut self, from: NodeId, epoch: u32, last: Zxid, out: &mut Out) {
        let committed = self.committed;
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        if epoch != l.epoch {
            return;
        }
        let Some(p) = l.peers.get_mut(&from) else {
            return;
        };
        l.heard.insert(from);
        match p.phase {
            PeerPhase::Syncing => {
                p.phase = PeerPhase::Active;
                p.acked = p.acked.max(last);
            }
            // A duplicate, or one whose COMMITLD was lost: say it again.
            PeerPhase::Active => {}
            _ => return,
        }
        if l.phase == LeaderPhase::AwaitAckLd {
            self.check_ack_ld_quorum(out);
        } else if l.phase == LeaderPhase::Broadcast {
            out.send(from, Msg::CommitLd { epoch, committed });
            self.advance_commit(out);
        }
    }

    /// With ACKLDs from a quorum, commit the initial history, tell every
    /// synced follower (COMMITLD) and start broadcast (phase 3).
    fn check_ack_ld_quorum(&mut self, out: &mut Out) {
        let id = self.id;
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        if l.phase != LeaderPhase::AwaitAckLd {
            return;
        }
        let mut acked: BTreeSet<NodeId> = BTreeSet::from([id]);
        acked.extend(
            l.peers
                .iter()
                .filter(|(_, p)| p.phase == PeerPhase::Active)
                .map(|(n, _)| *n),
        );
        if !self.config.is_quorum(&acked) {
            return;
        }
        l.phase = LeaderPhase::Broadcast;
        let epoch = l.epoch;
        let queued = std::mem::take(&mut l.queued);
        out.cancel_timer(Timer::Init);
        out.set_timer(Timer::Heartbeat, self.config.heartbeat.max(1));
        out.set_timer(Timer::CheckQuorum, self.config.sync_limit.max(1));
        let last = self.durable.last();
        self.commit_upto(last, out);
        let committed = self.committed;
        for peer in acked.into_iter().filter(|&p| p != id) {
            out.send(peer, Msg::CommitLd { epoch, committed });
        }
        // Our own held writes first (outstanding now), then forwarded ones.
        for command in std::mem::take(&mut self.held) {
            self.outstanding.push((command.clone(), false));
            self.propose_as_leader(command, out);
        }
        for command in queued {
            self.propose_as_leader(command, out);
        }
    }

    /// Heartbeat: PING every synced follower with the commit point, and
    /// send again what an active follower stopped acknowledging (a PROPOSE
    /// may have been lost), or a snapshot if that is compacted away.
    pub(super) fn heartbeat(&mut self, out: &mut Out) {
        let committed = self.committed;
        let last = self.durable.last();
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        if l.phase != LeaderPhase::Broadcast {
            return;
        }
        let epoch = l.epoch;
        for (peer, p) in &mut l.peers {
            if !matches!(p.phase, PeerPhase::Active | PeerPhase::Syncing) {
                continue;
            }
            out.send(*peer, Msg::Ping { epoch, committed });
            let stalled = p.acked == p.acked_before;
            p.acked_before = p.acked;
            if p.phase != PeerPhase::Active || !stalled || p.acked >= last {
                continue;
            }
            if p.acked < self.durable.compacted {
                // What it lacks is compacted away: the host streams our
                // snapshot, and we go on from where it leaves the follower.
                out.push(Action::SendSnapshot { to: *peer });
                continue;
            }
            let from = Zxid(p.acked.0.saturating_add(1));
            for (zxid, command) in self
                .durable
                .history
                .range(from..)
                .take(super::MAX_RESEND_BATCH)
            {
                let msg = Msg::Propose {
                    epoch,
                    zxid: *zxid,
                    command: command.clone(),
                };
                out.send(*peer, msg);
            }
        }
        out.set_timer(Timer::Heartbeat, self.config.heartbeat.max(1));
    }

    /// A leader that heard from no quorum for `sync_limit` ticks goes back
    /// to LOOKING rather than hold on to a leadership it may have lost.
    pub(super) fn check_quorum(&mut self, out: &mut Out) {
        let id = self.id;
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        let mut alive = std::mem::take(&mut l.heard);
        alive.insert(id);
        if self.config.is_quorum(&alive) {
            out.set_timer(Timer::CheckQuorum, self.config.sync_limit.max(1));
        } else {
            self.become_looking(out);
        }
    }
}
