//! Broadcast (Zab phase 3): PROPOSE, ACK and COMMIT, many in flight.

use super::messages::{Msg, Timer};
use super::{FollowerPhase, LeaderPhase, Out, PeerPhase, Record, RoleState, Zab};
use crate::contract::Command;
use crate::types::Zxid;

impl Zab {
    /// The leader orders `command` at the next zxid of its epoch, logs it
    /// (persisted before any follower hears of it) and proposes it to every
    /// follower that is synced or syncing.
    pub(super) fn propose_as_leader(&mut self, command: Command, out: &mut Out) {
        let last = self.durable.last();
        let RoleState::Leading(l) = &self.role else {
            return;
        };
        let epoch = l.epoch;
        let zxid = if last.epoch() == epoch {
            Zxid(last.0.saturating_add(1))
        } else {
            Zxid::new(epoch, 1)
        };
        let to: Vec<_> = l
            .peers
            .iter()
            .filter(|(_, p)| matches!(p.phase, PeerPhase::Syncing | PeerPhase::Active))
            .map(|(n, _)| *n)
            .collect();
        self.persist(
            Record::Append {
                zxid,
                command: command.clone(),
            },
            out,
        );
        for peer in to {
            let msg = Msg::Propose {
                epoch,
                zxid,
                command: command.clone(),
            };
            out.send(peer, msg);
        }
        self.advance_commit(out);
    }

    /// A write forwarded by a follower.
    pub(super) fn on_forward(&mut self, command: Command, out: &mut Out) {
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        if l.phase == LeaderPhase::Broadcast {
            self.propose_as_leader(command, out);
        } else if l.queued.len() < super::MAX_PENDING {
            l.queued.push(command);
        }
        // Beyond the bound the write is dropped here: its origin keeps it
        // and forwards it again, or hands it back when it loses us.
    }

    /// ACK: the follower holds every proposal up to `zxid`.
    pub(super) fn on_ack(&mut self, from: super::NodeId, epoch: u32, zxid: Zxid, out: &mut Out) {
        let RoleState::Leading(l) = &mut self.role else {
            return;
        };
        if epoch != l.epoch {
            return;
        }
        if let Some(p) = l.peers.get_mut(&from)
            && p.phase == PeerPhase::Active
        {
            p.acked = p.acked.max(zxid);
            l.heard.insert(from);
        }
        self.advance_commit(out);
    }

    /// Commits, in zxid order, up to the largest zxid a quorum (this leader
    /// included) holds, and tells every active follower.
    pub(super) fn advance_commit(&mut self, out: &mut Out) {
        let last = self.durable.last();
        let RoleState::Leading(l) = &self.role else {
            return;
        };
        if l.phase != LeaderPhase::Broadcast {
            return;
        }
        let epoch = l.epoch;
        let point = if self.skips_ack_quorum() {
            last
        } else {
            let mut held: Vec<Zxid> = l
                .peers
                .values()
                .filter(|p| p.phase == PeerPhase::Active)
                .map(|p| p.acked.min(last))
                .chain([last])
                .collect();
            held.sort_unstable_by(|a, b| b.cmp(a));
            match held.get(self.config.quorum() - 1) {
                Some(z) => *z,
                None => return,
            }
        };
        if point <= self.committed {
            return;
        }
        let active: Vec<_> = l
            .peers
            .iter()
            .filter(|(_, p)| p.phase == PeerPhase::Active)
            .map(|(n, _)| *n)
            .collect();
        self.commit_upto(point, out);
        let zxid = self.committed;
        for peer in active {
            out.send(peer, Msg::Commit { epoch, zxid });
        }
    }

    /// PROPOSE at a synced follower: log and ACK it if it is the next one
    /// (with any that came ahead of it); keep it if it came early.
    pub(super) fn on_propose(&mut self, epoch: u32, zxid: Zxid, command: Command, out: &mut Out) {
        let RoleState::Following(f) = &self.role else {
            return;
        };
        if epoch != self.durable.current_epoch
            || zxid.epoch() != epoch
            || !matches!(f.phase, FollowerPhase::Synced | FollowerPhase::Broadcast)
        {
            return;
        }
        let leader = f.leader;
        self.heard_from_leader(out);
        let next = self.next_zxid(epoch);
        if zxid < next {
            // A duplicate (or a re-send): we hold it already.
            let last = self.durable.last();
            out.send(leader, Msg::Ack { epoch, zxid: last });
            return;
        }
        if let RoleState::Following(f) = &mut self.role
            && (f.ahead.len() < super::MAX_AHEAD || zxid == next)
        {
            f.ahead.insert(zxid, command);
        }
        let mut logged = None;
        loop {
            let next = self.next_zxid(epoch);
            let RoleState::Following(f) = &mut self.role else {
                return;
            };
            let Some(command) = f.ahead.remove(&next) else {
                break;
            };
            self.persist(
                Record::Append {
                    zxid: next,
                    command,
                },
                out,
            );
            logged = Some(next);
        }
        if let Some(zxid) = logged {
            out.send(leader, Msg::Ack { epoch, zxid });
        }
    }

    /// The zxid the next proposal of `epoch` must have.
    fn next_zxid(&self, epoch: u32) -> Zxid {
        let last = self.durable.last();
        if last.epoch() == epoch {
            Zxid(last.0.saturating_add(1))
        } else {
            Zxid::new(epoch, 1)
        }
    }

    /// COMMIT (or the commit point of a PING) at a synced follower. A PING
    /// is answered with an ACK of everything we hold: the leader's sign of
    /// life from us, and how it learns we lag.
    pub(super) fn on_commit(&mut self, epoch: u32, zxid: Zxid, ping: bool, out: &mut Out) {
        let RoleState::Following(f) = &self.role else {
            return;
        };
        if epoch != self.durable.current_epoch
            || !matches!(f.phase, FollowerPhase::Synced | FollowerPhase::Broadcast)
        {
            return;
        }
        let leader = f.leader;
        self.heard_from_leader(out);
        self.commit_upto(zxid, out);
        if ping {
            let last = self.durable.last();
            out.send(leader, Msg::Ack { epoch, zxid: last });
        }
    }

    fn heard_from_leader(&self, out: &mut Out) {
        if let RoleState::Following(f) = &self.role
            && f.phase == FollowerPhase::Broadcast
        {
            out.set_timer(Timer::LeaderSilent, self.config.sync_limit.max(1));
        }
    }

    /// Delivers every history entry up to `upto` not yet delivered, in
    /// zxid order. Only called when the history up to `upto` is known to
    /// be the committed one (a leader's own, or a synced follower's).
    pub(super) fn commit_upto(&mut self, upto: Zxid, out: &mut Out) {
        let upto = upto.min(self.durable.last());
        if upto <= self.committed {
            return;
        }
        let next = Zxid(self.committed.0.saturating_add(1));
        let entries: Vec<(Zxid, Command)> = self
            .durable
            .history
            .range(next..=upto)
            .map(|(z, c)| (*z, c.clone()))
            .collect();
        for (zxid, command) in entries {
            self.committed = zxid;
            if let Some(i) = self.outstanding.iter().position(|(c, _)| *c == command) {
                self.outstanding.remove(i);
            } else if let Some(i) = self.held.iter().position(|c| *c == command) {
                self.held.remove(i);
            }
            out.commit(zxid, command);
        }
        self.committed = upto;
    }
}
