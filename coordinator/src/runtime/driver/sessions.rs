//! The driver's half of session expiry (design: [`crate::session`]).

use protocols::{Core, OutboxOf, Role};

use crate::command::Op;
use crate::runtime::peer::PeerMessage;
use crate::session_tracker::{KeeperRule, choose_keeper};

use super::{NodeDriver, Ready};

impl<C: Core> NodeDriver<C> {
    /// Re-decides whether this server is keeper: the leader where the
    /// protocol has one, else the lowest-id server heard from within the
    /// longest session timeout. Becoming keeper grants every session a full
    /// timeout (inside the tracker).
    pub(super) fn update_keeper(&mut self, now: i64) {
        let rule = if self.status.role == Role::Peer {
            KeeperRule::LowestLive
        } else {
            KeeperRule::Leader(self.status.leader)
        };
        let window = i64::from(self.config.tree.max_session_timeout());
        let keeper = choose_keeper(self.config.id, rule, &self.heard, now, window);
        self.keeper = keeper;
        self.tracker.set_keeper(keeper == Some(self.config.id), now);
    }

    /// Every session tick: tell every peer which sessions were seen alive
    /// here; as keeper, propose the expiry of silent sessions and the
    /// removal of empty containers and expired TTL nodes.
    pub(super) fn session_tick(&mut self, now: i64, out: &mut OutboxOf<C>, ready: &mut Ready<C>) {
        let report = self.tracker.take_report();
        for &peer in &self.peers {
            ready.send.push((
                peer,
                PeerMessage::Liveness {
                    sessions: report.clone(),
                },
            ));
        }
        self.update_keeper(now);
        if !self.tracker.is_keeper() {
            self.cleanup_proposed.clear();
            return;
        }
        for session in self.tracker.expired(now) {
            tracing::debug!(node = self.config.id, session, "proposing expiry");
            self.propose_internal(now, Op::ExpireSession { session }, out, ready);
        }
        let candidates = self.sm.replica().tree().cleanup_candidates(now);
        self.cleanup_proposed.retain(|p, _| candidates.contains(p));
        for path in candidates {
            let due = self
                .cleanup_proposed
                .get(&path)
                .is_none_or(|&at| now.saturating_sub(at) > self.config.cleanup_retry_ms);
            if due {
                self.cleanup_proposed.insert(path.clone(), now);
                self.propose_internal(now, Op::DeleteContainer { path }, out, ready);
            }
        }
    }
}
