//! A tiny in-memory ensemble for unit tests: FIFO delivery between started
//! servers, no timers run unless a test fires one, snapshots recorded.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub use super::super::{Msg, PeerState, Record, Sync, Timer, Vote, Zab, ZabDurable};
use crate::contract::{Action, Core, Durable, Outbox, Recovered};
use crate::types::{ClusterConfig, NodeId, Role, Status, Zxid};

pub type Act = Action<Msg, Timer, Record>;
pub type Ob = Outbox<Msg, Timer, Record>;

pub fn config(n: u64) -> ClusterConfig {
    ClusterConfig::new(1..=n)
}

/// Runs one input on `core` and returns its actions.
pub fn step(core: &mut Zab, f: impl FnOnce(&mut Zab, &mut Ob)) -> Vec<Act> {
    let mut out = Ob::new();
    f(core, &mut out);
    out.take()
}

pub struct Cluster {
    pub n: u64,
    pub nodes: BTreeMap<NodeId, Zab>,
    pub durable: BTreeMap<NodeId, ZabDurable>,
    pub commits: BTreeMap<NodeId, Vec<(Zxid, Vec<u8>)>>,
    pub snapshots_asked: Vec<(NodeId, NodeId)>,
    pub queue: VecDeque<(NodeId, NodeId, Msg)>,
    /// Servers that are not running: nothing reaches them.
    pub down: BTreeSet<NodeId>,
}

impl Cluster {
    /// An ensemble of `n` servers, none started yet.
    pub fn empty(n: u64) -> Cluster {
        Cluster {
            n,
            nodes: BTreeMap::new(),
            durable: BTreeMap::new(),
            commits: BTreeMap::new(),
            snapshots_asked: Vec::new(),
            queue: VecDeque::new(),
            down: (1..=n).collect(),
        }
    }

    /// Starts (or restarts) `id` from what it persisted, its host holding
    /// every commit it applied.
    pub fn start(&mut self, id: NodeId) -> Vec<Act> {
        self.down.remove(&id);
        let durable = self.durable.get(&id).cloned().unwrap_or_default();
        let applied = self
            .commits
            .get(&id)
            .and_then(|v| v.last())
            .map_or(Zxid::ZERO, |(z, _)| *z)
            .max(durable.compacted);
        let mut out = Ob::new();
        let core = Zab::new(id, config(self.n), Recovered { durable, applied }, &mut out);
        self.nodes.insert(id, core);
        let acts = out.take();
        self.absorb(id, acts.clone());
        acts
    }

    pub fn crash(&mut self, id: NodeId) {
        self.down.insert(id);
        self.queue.retain(|(f, t, _)| *f != id && *t != id);
    }

    pub fn absorb(&mut self, id: NodeId, acts: Vec<Act>) {
        for a in acts {
            match a {
                Action::Persist(r) => self.durable.entry(id).or_default().apply(&r),
                Action::Send { to, msg } if !self.down.contains(&to) => {
                    self.queue.push_back((id, to, msg));
                }
                Action::Commit { zxid, command } => {
                    self.commits.entry(id).or_default().push((zxid, command))
                }
                Action::SendSnapshot { to } => self.snapshots_asked.push((id, to)),
                _ => {}
            }
        }
    }

    pub fn on(&mut self, id: NodeId, f: impl FnOnce(&mut Zab, &mut Ob)) -> Vec<Act> {
        let core = self.nodes.get_mut(&id).expect("node exists");
        let acts = step(core, f);
        self.absorb(id, acts.clone());
        acts
    }

    pub fn timer(&mut self, id: NodeId, t: Timer) -> Vec<Act> {
        self.on(id, |c, o| c.on_timer(t, o))
    }

    pub fn propose(&mut self, id: NodeId, cmd: &[u8]) -> Vec<Act> {
        let cmd = cmd.to_vec();
        self.on(id, |c, o| c.propose(cmd, o))
    }

    /// Delivers queued messages until none is left (those to or from a
    /// down server are lost); returns how many were delivered.
    pub fn deliver_all(&mut self) -> usize {
        let mut n = 0;
        while let Some((from, to, msg)) = self.queue.pop_front() {
            if self.down.contains(&to) || self.down.contains(&from) {
                continue;
            }
            n += 1;
            assert!(n < 100_000, "message storm");
            self.on(to, |c, o| c.on_message(from, msg, o));
        }
        n
    }

    pub fn role(&self, id: NodeId) -> Role {
        self.nodes[&id].status().role
    }

    pub fn status(&self, id: NodeId) -> Status {
        self.nodes[&id].status()
    }

    pub fn commands(&self, id: NodeId) -> Vec<Vec<u8>> {
        self.commits
            .get(&id)
            .map(|v| v.iter().map(|(_, c)| c.clone()).collect())
            .unwrap_or_default()
    }
}

// ---- builders for the exact actions tests expect ----

pub fn z(epoch: u32, counter: u32) -> Zxid {
    Zxid::new(epoch, counter)
}

pub fn v(epoch: u32, zxid: Zxid, leader: NodeId) -> Vote {
    Vote {
        epoch,
        zxid,
        leader,
    }
}

pub fn note(vote: Vote, round: u32, state: PeerState) -> Msg {
    Msg::Notification { vote, round, state }
}

pub fn send(to: NodeId, msg: Msg) -> Act {
    Action::Send { to, msg }
}

pub fn persist(r: Record) -> Act {
    Action::Persist(r)
}

pub fn append(zxid: Zxid, c: &str) -> Act {
    Action::Persist(Record::Append {
        zxid,
        command: c.as_bytes().to_vec(),
    })
}

pub fn set(timer: Timer, after: u32) -> Act {
    Action::SetTimer { timer, after }
}

pub fn cancel(timer: Timer) -> Act {
    Action::CancelTimer(timer)
}

pub fn commit(zxid: Zxid, c: &str) -> Act {
    Action::Commit {
        zxid,
        command: c.as_bytes().to_vec(),
    }
}

pub fn status(role: Role, leader: Option<NodeId>, epoch: u32, last: Zxid) -> Act {
    Action::StatusChanged(Status {
        role,
        leader,
        epoch,
        last_committed: last,
    })
}

pub fn entries(list: &[(Zxid, &str)]) -> BTreeMap<Zxid, Vec<u8>> {
    list.iter()
        .map(|(z, c)| (*z, c.as_bytes().to_vec()))
        .collect()
}

impl Cluster {
    /// Delivers everything; then, as time would, fires the Notify timer of
    /// every running LOOKING server (whose vote a peer started later never
    /// heard) and the Resend timer of every follower not yet broadcasting
    /// (whose CEPOCH reached the leader before the leader had settled);
    /// until nothing changes.
    pub fn settle(&mut self) {
        for _ in 0..10 {
            self.deliver_all();
            let waiting: Vec<(NodeId, Timer)> = self
                .nodes
                .iter()
                .filter(|(id, core)| !self.down.contains(id) && !core.is_broadcasting())
                .filter_map(|(id, core)| match core.status().role {
                    Role::Looking => Some((*id, Timer::Notify)),
                    Role::Follower => Some((*id, Timer::Resend)),
                    _ => None,
                })
                .collect();
            if waiting.is_empty() {
                return;
            }
            for (id, timer) in waiting {
                self.timer(id, timer);
            }
        }
    }
}

/// `n` fresh servers started one after another, `leader` first, each
/// start followed by delivering everything: the first two started settle
/// on `leader` (the better vote of a fresh pair is the higher id, so
/// `leader` must be the highest), the others join it. Epoch 1.
pub fn ensemble_led_by(n: u64, leader: NodeId) -> Cluster {
    let mut c = Cluster::empty(n);
    c.start(leader);
    for id in (1..=n).filter(|&id| id != leader) {
        c.start(id);
        c.settle();
    }
    assert_eq!(c.role(leader), Role::Leader);
    assert!(c.nodes.values().all(Zab::is_broadcasting));
    c
}

/// Three servers, server 3 leading epoch 1, all broadcasting.
pub fn ensemble_led_by_3() -> Cluster {
    ensemble_led_by(3, 3)
}
