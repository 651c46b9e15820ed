//! The pure half of session expiry (design in [`crate::session`]): who is
//! keeper, and which sessions the keeper should expire. No clock: every
//! method is given `now_ms`, so it is unit-tested without sleeping and
//! behaves the same in the simulator.

use std::collections::{BTreeMap, BTreeSet};

use protocols::NodeId;

use crate::event::SessionId;

/// How the protocol designates the keeper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeeperRule {
    /// Leader-based protocols (Multi-Paxos, Zab): the current leader, if any.
    Leader(Option<NodeId>),
    /// Leaderless basic Paxos: the lowest id among this server and the peers
    /// heard from within the window.
    LowestLive,
}

/// Which server should act as session keeper, from `me`'s point of view.
/// `heard` maps each peer to when `me` last heard from it; `window_ms` is
/// typically the largest session timeout (maxSessionTimeout).
pub fn choose_keeper(
    me: NodeId,
    rule: KeeperRule,
    heard: &BTreeMap<NodeId, i64>,
    now_ms: i64,
    window_ms: i64,
) -> Option<NodeId> {
    match rule {
        KeeperRule::Leader(leader) => leader,
        KeeperRule::LowestLive => heard
            .iter()
            .filter(|&(_, &at)| now_ms.saturating_sub(at) <= window_ms)
            .map(|(&id, _)| id)
            .chain(std::iter::once(me))
            .min(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Tracked {
    timeout_ms: i64,
    last_alive_ms: i64,
    /// When this keeper last proposed the session's expiry.
    proposed_at_ms: Option<i64>,
}

/// One server's view of session liveness.
///
/// Every server keeps one: it records the heartbeats of its own clients
/// ([`touch_local`](Self::touch_local), drained by
/// [`take_report`](Self::take_report) for the peers each tick) and the
/// reports of its peers ([`report`](Self::report)). Only the keeper acts on
/// it, through [`expired`](Self::expired).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionTracker {
    sessions: BTreeMap<SessionId, Tracked>,
    local_seen: BTreeSet<SessionId>,
    keeper: bool,
}

impl SessionTracker {
    pub fn new() -> SessionTracker {
        SessionTracker::default()
    }

    /// A session was created (on apply of its createSession): alive now.
    pub fn added(&mut self, id: SessionId, timeout_ms: i32, now_ms: i64) {
        let t = Tracked {
            timeout_ms: i64::from(timeout_ms),
            last_alive_ms: now_ms,
            proposed_at_ms: None,
        };
        self.sessions.insert(id, t);
    }

    /// A session was closed or expired (on apply).
    pub fn removed(&mut self, id: SessionId) {
        self.sessions.remove(&id);
        self.local_seen.remove(&id);
    }

    /// Reconciles with the replicated session table (after a restart or a
    /// snapshot install): unknown sessions are added as alive now, sessions
    /// no longer in the table are dropped.
    pub fn sync(&mut self, table: impl IntoIterator<Item = (SessionId, i32)>, now_ms: i64) {
        let table: BTreeMap<SessionId, i32> = table.into_iter().collect();
        self.sessions.retain(|id, _| table.contains_key(id));
        self.local_seen.retain(|id| table.contains_key(id));
        for (id, timeout) in table {
            if !self.sessions.contains_key(&id) {
                self.added(id, timeout, now_ms);
            }
        }
    }

    /// A client of this server showed life (request or ping).
    pub fn touch_local(&mut self, id: SessionId, now_ms: i64) {
        if self.touch(id, now_ms) {
            self.local_seen.insert(id);
        }
    }

    /// The sessions this server saw alive since the last call: what it sends
    /// its peers this tick.
    pub fn take_report(&mut self) -> Vec<SessionId> {
        std::mem::take(&mut self.local_seen).into_iter().collect()
    }

    /// A peer reported these sessions alive.
    pub fn report(&mut self, ids: impl IntoIterator<Item = SessionId>, now_ms: i64) {
        for id in ids {
            self.touch(id, now_ms);
        }
    }

    fn touch(&mut self, id: SessionId, now_ms: i64) -> bool {
        match self.sessions.get_mut(&id) {
            Some(t) => {
                t.last_alive_ms = t.last_alive_ms.max(now_ms);
                t.proposed_at_ms = None;
                true
            }
            None => false,
        }
    }

    pub fn is_keeper(&self) -> bool {
        self.keeper
    }

    /// Sets whether this server is keeper. Becoming keeper grants every
    /// session a full timeout from `now_ms`: the new keeper cannot know how
    /// recently its predecessor heard from them.
    pub fn set_keeper(&mut self, keeper: bool, now_ms: i64) {
        if keeper && !self.keeper {
            for t in self.sessions.values_mut() {
                t.last_alive_ms = t.last_alive_ms.max(now_ms);
                t.proposed_at_ms = None;
            }
        }
        self.keeper = keeper;
    }

    /// For the keeper: the sessions nobody reported alive for their whole
    /// timeout, to propose `ExpireSession` for. A session is proposed again
    /// only if it is still there a full timeout later (the first proposal
    /// may have been lost in a leader change). Non-keepers get nothing.
    pub fn expired(&mut self, now_ms: i64) -> Vec<SessionId> {
        if !self.keeper {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (&id, t) in &mut self.sessions {
            let silent = now_ms.saturating_sub(t.last_alive_ms) > t.timeout_ms;
            let due = t
                .proposed_at_ms
                .is_none_or(|at| now_ms.saturating_sub(at) > t.timeout_ms);
            if silent && due {
                t.proposed_at_ms = Some(now_ms);
                out.push(id);
            }
        }
        out
    }

    pub fn tracked(&self) -> usize {
        self.sessions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keeper_with(ids: &[(SessionId, i32)], now: i64) -> SessionTracker {
        let mut t = SessionTracker::new();
        for &(id, to) in ids {
            t.added(id, to, now);
        }
        t.set_keeper(true, now);
        t
    }

    #[test]
    fn a_silent_session_expires_after_its_timeout_and_not_before() {
        let mut t = keeper_with(&[(1, 4000)], 0);
        assert!(
            t.expired(4000).is_empty(),
            "exactly the timeout is not yet silence"
        );
        assert_eq!(t.expired(4001), vec![1]);
        assert!(t.expired(4002).is_empty(), "proposed once per timeout");
        assert_eq!(t.expired(8002), vec![1], "re-proposed if it is still there");
    }

    #[test]
    fn a_report_from_any_server_keeps_a_session_alive() {
        let mut t = keeper_with(&[(1, 4000), (2, 4000)], 0);
        t.report([1], 3000);
        t.touch_local(2, 3500);
        assert!(t.expired(6000).is_empty());
        assert_eq!(t.expired(7001), vec![1]);
        assert_eq!(t.expired(7501), vec![2]);
    }

    #[test]
    fn only_the_keeper_expires_and_a_new_keeper_grants_a_full_timeout() {
        let mut t = SessionTracker::new();
        t.added(1, 4000, 0);
        assert!(t.expired(100_000).is_empty(), "not keeper");
        t.set_keeper(true, 100_000);
        assert!(t.expired(104_000).is_empty());
        assert_eq!(t.expired(104_001), vec![1]);
    }

    #[test]
    fn local_heartbeats_are_reported_once_and_unknown_sessions_ignored() {
        let mut t = SessionTracker::new();
        t.added(5, 4000, 0);
        t.touch_local(5, 10);
        t.touch_local(5, 20);
        t.touch_local(99, 20);
        assert_eq!(t.take_report(), vec![5]);
        assert!(t.take_report().is_empty());
    }

    #[test]
    fn sync_follows_the_replicated_table() {
        let mut t = keeper_with(&[(1, 4000), (2, 4000)], 0);
        t.sync([(2, 4000), (3, 6000)], 1000);
        assert_eq!(t.tracked(), 2);
        // 2 kept its history (silent since 0); 3 is new, alive from 1000.
        assert_eq!(t.expired(4001), vec![2]);
        assert!(t.expired(7000).is_empty());
        assert_eq!(t.expired(7001), vec![3]);
        t.removed(2);
        assert_eq!(t.tracked(), 1);
    }

    #[test]
    fn keeper_is_the_leader_or_the_lowest_live_server() {
        let heard: BTreeMap<NodeId, i64> = [(1, 0), (2, 9_000), (4, 9_500)].into();
        assert_eq!(
            choose_keeper(3, KeeperRule::Leader(Some(2)), &heard, 10_000, 5_000),
            Some(2)
        );
        assert_eq!(
            choose_keeper(3, KeeperRule::Leader(None), &heard, 10_000, 5_000),
            None
        );
        // 1 was last heard 10 s ago: outside the window, so 2 keeps.
        assert_eq!(
            choose_keeper(3, KeeperRule::LowestLive, &heard, 10_000, 5_000),
            Some(2)
        );
        assert_eq!(
            choose_keeper(3, KeeperRule::LowestLive, &BTreeMap::new(), 10_000, 5_000),
            Some(3)
        );
        assert_eq!(
            choose_keeper(1, KeeperRule::LowestLive, &heard, 10_000, 5_000),
            Some(1)
        );
    }
}
