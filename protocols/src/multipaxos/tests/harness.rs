//! A tiny in-memory cluster for unit tests: FIFO delivery of every message
//! sent, no timers run unless a test fires one.

use std::collections::{BTreeMap, VecDeque};

pub use super::super::{MpDurable, Msg, MultiPaxos, Record, Timer};
use crate::contract::{Action, Core, Durable, Outbox, Recovered};
use crate::types::{ClusterConfig, NodeId, Zxid};

pub type Act = Action<Msg, Timer, Record>;
pub type Ob = Outbox<Msg, Timer, Record>;

pub fn config(n: u64) -> ClusterConfig {
    ClusterConfig::new(1..=n)
}

/// Builds a fresh node and returns it with what its constructor emitted.
pub fn fresh(id: NodeId, n: u64) -> (MultiPaxos, Vec<Act>) {
    let mut out = Ob::new();
    let core = MultiPaxos::new(id, config(n), Recovered::fresh(), &mut out);
    (core, out.take())
}

/// Runs one input on `core` and returns its actions.
pub fn step(core: &mut MultiPaxos, f: impl FnOnce(&mut MultiPaxos, &mut Ob)) -> Vec<Act> {
    let mut out = Ob::new();
    f(core, &mut out);
    out.take()
}

pub struct Cluster {
    pub nodes: BTreeMap<NodeId, MultiPaxos>,
    pub durable: BTreeMap<NodeId, MpDurable>,
    pub commits: BTreeMap<NodeId, Vec<(Zxid, Vec<u8>)>>,
    pub snapshots_asked: Vec<(NodeId, NodeId)>,
    pub queue: VecDeque<(NodeId, NodeId, Msg)>,
}

impl Cluster {
    pub fn new(n: u64) -> Cluster {
        let mut c = Cluster {
            nodes: BTreeMap::new(),
            durable: BTreeMap::new(),
            commits: BTreeMap::new(),
            snapshots_asked: Vec::new(),
            queue: VecDeque::new(),
        };
        for id in 1..=n {
            let (core, acts) = fresh(id, n);
            c.nodes.insert(id, core);
            c.absorb(id, acts);
        }
        c
    }

    pub fn absorb(&mut self, id: NodeId, acts: Vec<Act>) {
        for a in acts {
            match a {
                Action::Persist(r) => self.durable.entry(id).or_default().apply(&r),
                Action::Send { to, msg } => self.queue.push_back((id, to, msg)),
                Action::Commit { zxid, command } => {
                    self.commits.entry(id).or_default().push((zxid, command))
                }
                Action::SendSnapshot { to } => self.snapshots_asked.push((id, to)),
                _ => {}
            }
        }
    }

    pub fn on(&mut self, id: NodeId, f: impl FnOnce(&mut MultiPaxos, &mut Ob)) -> Vec<Act> {
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

    /// Delivers queued messages (dropping those to `down` nodes) until none
    /// is left; returns how many were delivered.
    pub fn deliver_all_except(&mut self, down: &[NodeId]) -> usize {
        let mut n = 0;
        while let Some((from, to, msg)) = self.queue.pop_front() {
            if down.contains(&to) || down.contains(&from) {
                continue;
            }
            n += 1;
            assert!(n < 100_000, "message storm");
            self.on(to, |c, o| c.on_message(from, msg, o));
        }
        n
    }

    pub fn deliver_all(&mut self) -> usize {
        self.deliver_all_except(&[])
    }

    pub fn commands(&self, id: NodeId) -> Vec<Vec<u8>> {
        self.commits
            .get(&id)
            .map(|v| v.iter().map(|(_, c)| c.clone()).collect())
            .unwrap_or_default()
    }

    /// Restarts `id` from what it persisted, with the host's state machine
    /// holding every commit it had applied.
    pub fn restart(&mut self, id: NodeId, n: u64) -> Vec<Act> {
        let durable = self.durable.get(&id).cloned().unwrap_or_default();
        let applied = self
            .commits
            .get(&id)
            .and_then(|v| v.last())
            .map_or(Zxid::ZERO, |(z, _)| *z)
            .max(durable.compacted);
        let mut out = Ob::new();
        let core = MultiPaxos::new(id, config(n), Recovered { durable, applied }, &mut out);
        self.nodes.insert(id, core);
        let acts = out.take();
        self.absorb(id, acts.clone());
        acts
    }
}

// ---- builders for the exact actions tests expect ----

use super::super::{Ballot, Entry, Slot, Vote};
use crate::types::{Role, Status};

pub fn b(round: u32, node: NodeId) -> Ballot {
    Ballot::new(round, node)
}

pub fn cmd(epoch: u32, c: &str) -> Entry {
    Entry::command(epoch, c.as_bytes().to_vec())
}

pub fn vote(ballot: Ballot, entry: Entry) -> Vote {
    Vote { ballot, entry }
}

pub fn send(to: NodeId, msg: Msg) -> Act {
    Action::Send { to, msg }
}

pub fn persist_promise(ballot: Ballot) -> Act {
    Action::Persist(Record::Promise(ballot))
}

pub fn persist_vote(slot: Slot, ballot: Ballot, entry: Entry) -> Act {
    Action::Persist(Record::Accept {
        slot,
        vote: vote(ballot, entry),
    })
}

pub fn set(timer: Timer, after: u32) -> Act {
    Action::SetTimer { timer, after }
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

/// Node 1 of 3 elected leader in ballot 1.1 with nothing to re-propose and
/// every message delivered: the common starting point.
pub fn cluster_with_leader_1() -> Cluster {
    let mut c = Cluster::new(3);
    c.timer(1, Timer::Election);
    c.deliver_all();
    assert_eq!(c.nodes[&1].status().role, Role::Leader);
    c
}

impl Cluster {
    /// Delivers the first queued message and drops whatever it caused to
    /// be sent (a lost answer).
    pub fn deliver_one_and_drop_answers(&mut self) {
        if let Some((from, to, msg)) = self.queue.pop_front() {
            let before = self.queue.len();
            self.on(to, |c, o| c.on_message(from, msg, o));
            self.queue.truncate(before);
        }
    }
}

impl Cluster {
    /// Delivers exactly the first queued message.
    pub fn deliver_one(&mut self) -> Option<(NodeId, NodeId)> {
        let (from, to, msg) = self.queue.pop_front()?;
        self.on(to, |c, o| c.on_message(from, msg, o));
        Some((from, to))
    }

    /// Delivers everything, returning the actions node `id` emitted.
    pub fn deliver_all_steps_at(&mut self, id: NodeId) -> Vec<Act> {
        let mut acts = Vec::new();
        while let Some((from, to, msg)) = self.queue.pop_front() {
            let a = self.on(to, |c, o| c.on_message(from, msg, o));
            if to == id {
                acts.extend(a);
            }
        }
        acts
    }
}
