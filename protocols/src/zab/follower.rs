//! The follower's side of discovery (ZooKeeper's `Learner.registerWithLeader`)
//! and what any server does with a client's write.

use super::messages::{Msg, Timer};
use super::{FollowerPhase, LeaderPhase, MAX_PENDING, Out, Record, RoleState, Zab};
use crate::contract::{Action, Command, RejectReason};
use crate::types::{NodeId, Ticks, Zxid};

impl Zab {
    /// CEPOCH to the leader, with the last epoch we accepted.
    pub(super) fn send_cepoch(&self, out: &mut Out) {
        if let RoleState::Following(f) = &self.role {
            let accepted_epoch = self.durable.accepted_epoch;
            out.send(f.leader, Msg::CEpoch { accepted_epoch });
            out.set_timer(Timer::Resend, self.resend_after());
        }
    }

    pub(super) fn send_ack_epoch(&self, leader: NodeId, out: &mut Out) {
        let RoleState::Following(f) = &self.role else {
            return;
        };
        let msg = Msg::AckEpoch {
            epoch: self.durable.accepted_epoch,
            current_epoch: self.durable.current_epoch,
            last: self.durable.last(),
            fresh: f.fresh,
        };
        out.send(leader, msg);
        out.set_timer(Timer::Resend, self.resend_after());
    }

    /// Long enough for an answer in a healthy ensemble, short enough to
    /// retry a few times within `init_limit`.
    fn resend_after(&self) -> Ticks {
        self.config.heartbeat.max(1).saturating_mul(2)
    }

    /// NEWEPOCH: accept an epoch above the one we accepted (persisted before
    /// the ACKEPOCH that reveals it); ack one equal to it without counting;
    /// a lower one means a stale leader: look again (Zab, phase 1, f.1.2).
    pub(super) fn on_new_epoch(&mut self, epoch: u32, out: &mut Out) {
        let buggy = self.accepts_stale_epochs();
        let RoleState::Following(f) = &mut self.role else {
            return;
        };
        if f.phase != FollowerPhase::Discovery {
            return;
        }
        let leader = f.leader;
        let accepted = self.durable.accepted_epoch;
        let fresh = if epoch > accepted || (buggy && epoch != accepted) {
            true
        } else if epoch == accepted {
            buggy
        } else {
            self.become_looking(out);
            return;
        };
        f.phase = FollowerPhase::AwaitNewLeader;
        f.fresh = fresh;
        if epoch != accepted {
            self.persist(Record::AcceptedEpoch(epoch), out);
        }
        self.send_ack_epoch(leader, out);
    }

    /// COMMITLD: the epoch is established; deliver up to the leader's commit
    /// point and start broadcast. Held writes go to the leader now.
    pub(super) fn on_commit_ld(&mut self, epoch: u32, committed: Zxid, out: &mut Out) {
        let RoleState::Following(f) = &mut self.role else {
            return;
        };
        if epoch != self.durable.current_epoch
            || !matches!(f.phase, FollowerPhase::Synced | FollowerPhase::Broadcast)
        {
            return;
        }
        let leader = f.leader;
        if f.phase == FollowerPhase::Synced {
            f.phase = FollowerPhase::Broadcast;
            out.cancel_timer(Timer::Init);
            out.cancel_timer(Timer::Resend);
            self.forward_held(leader, out);
        }
        out.set_timer(Timer::LeaderSilent, self.config.sync_limit.max(1));
        self.commit_upto(committed, out);
    }

    /// The Resend timer: say again what the current phase waits an answer
    /// to.
    pub(super) fn resend_phase_message(&mut self, out: &mut Out) {
        let RoleState::Following(f) = &self.role else {
            return;
        };
        let leader = f.leader;
        match f.phase {
            FollowerPhase::Discovery => self.send_cepoch(out),
            FollowerPhase::AwaitNewLeader => self.send_ack_epoch(leader, out),
            FollowerPhase::Synced => {
                let (epoch, last) = (self.durable.current_epoch, self.durable.last());
                out.send(leader, Msg::AckLd { epoch, last });
                out.set_timer(Timer::Resend, self.resend_after());
            }
            FollowerPhase::Broadcast => {}
        }
    }

    /// A client's write at this server.
    pub(super) fn on_propose_local(&mut self, command: Command, out: &mut Out) {
        let leading = match &self.role {
            RoleState::Leading(l) => Some(l.phase == LeaderPhase::Broadcast),
            _ => None,
        };
        if leading == Some(true) {
            self.outstanding.push((command.clone(), false));
            self.propose_as_leader(command, out);
            return;
        }
        if self.held.len() + self.outstanding.len() >= MAX_PENDING {
            let leader = self.leader();
            out.push(Action::Rejected {
                command,
                reason: RejectReason::NotLeader { leader },
            });
            return;
        }
        match &mut self.role {
            RoleState::Following(f) if f.phase == FollowerPhase::Broadcast => {
                let leader = f.leader;
                if self.outstanding.is_empty() {
                    // Armed for the first write only: re-arming at every
                    // write would postpone the retry forever under load.
                    out.set_timer(Timer::Reforward, self.reforward_after());
                }
                self.outstanding.push((command.clone(), false));
                out.send(leader, Msg::Forward { command });
            }
            // Not broadcasting yet: hold it until we are.
            _ => self.held.push(command),
        }
    }

    /// Held writes go to the leader that just started broadcasting.
    fn forward_held(&mut self, leader: NodeId, out: &mut Out) {
        if self.held.is_empty() {
            return;
        }
        if self.outstanding.is_empty() {
            out.set_timer(Timer::Reforward, self.reforward_after());
        }
        for command in std::mem::take(&mut self.held) {
            out.send(
                leader,
                Msg::Forward {
                    command: command.clone(),
                },
            );
            self.outstanding.push((command, false));
        }
    }

    /// Writes sent to the leader and not seen committed for a whole period
    /// may have been lost on the way: send them again.
    pub(super) fn reforward(&mut self, out: &mut Out) {
        let RoleState::Following(f) = &self.role else {
            return;
        };
        if f.phase != FollowerPhase::Broadcast || self.outstanding.is_empty() {
            return;
        }
        // Only writes that waited a whole period: younger ones are most
        // likely still on their way to being committed.
        for (command, _) in self.outstanding.iter().filter(|(_, aged)| *aged) {
            out.send(
                f.leader,
                Msg::Forward {
                    command: command.clone(),
                },
            );
        }
        for (_, aged) in &mut self.outstanding {
            *aged = true;
        }
        out.set_timer(Timer::Reforward, self.reforward_after());
    }

    fn reforward_after(&self) -> Ticks {
        self.config.sync_limit.max(1).saturating_mul(2)
    }

    /// The leader is lost: writes it was given are handed back, their fate
    /// unknown (ZooKeeper's clients see a connection loss).
    pub(super) fn abandon_outstanding(&mut self, out: &mut Out) {
        for (command, _) in std::mem::take(&mut self.outstanding) {
            out.push(Action::Rejected {
                command,
                reason: RejectReason::Abandoned,
            });
        }
    }
}
