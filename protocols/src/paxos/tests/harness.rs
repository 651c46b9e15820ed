//! A tiny in-memory cluster for unit tests: FIFO delivery of every message
//! sent, no timers run unless a test fires one.

use std::collections::{BTreeMap, VecDeque};

pub use super::super::{
    Accepted, Msg, Paxos, PaxosDurable, PaxosOptions, ProposalId, Record, Timer, Value,
};
use crate::contract::{Action, Core, Durable, Outbox, Recovered};
use crate::types::{ClusterConfig, NodeId, Zxid};

pub type Act = Action<Msg, Timer, Record>;
pub type Ob = Outbox<Msg, Timer, Record>;

pub fn config(n: u64) -> ClusterConfig {
    ClusterConfig::new(1..=n)
}

pub fn id(round: u32, node: NodeId) -> ProposalId {
    ProposalId::new(round, node)
}

/// A one-command batch.
pub fn cmd(c: &str) -> Value {
    Value::Commands(vec![c.as_bytes().to_vec()])
}

pub fn step(core: &mut Paxos, f: impl FnOnce(&mut Paxos, &mut Ob)) -> Vec<Act> {
    let mut out = Ob::new();
    f(core, &mut out);
    out.take()
}

pub fn sends(acts: &[Act]) -> Vec<(NodeId, Msg)> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Send { to, msg } => Some((*to, msg.clone())),
            _ => None,
        })
        .collect()
}

pub struct Cluster {
    pub n: u64,
    pub options: PaxosOptions,
    pub nodes: BTreeMap<NodeId, Paxos>,
    pub durable: BTreeMap<NodeId, PaxosDurable>,
    pub commits: BTreeMap<NodeId, Vec<(Zxid, Vec<u8>)>>,
    pub snapshots_asked: Vec<(NodeId, NodeId)>,
    pub rejected: Vec<(NodeId, Vec<u8>)>,
    pub queue: VecDeque<(NodeId, NodeId, Msg)>,
}

impl Cluster {
    pub fn new(n: u64) -> Cluster {
        Cluster::with_options(n, PaxosOptions::default())
    }

    pub fn with_options(n: u64, options: PaxosOptions) -> Cluster {
        let mut c = Cluster {
            n,
            options,
            nodes: BTreeMap::new(),
            durable: BTreeMap::new(),
            commits: BTreeMap::new(),
            snapshots_asked: Vec::new(),
            rejected: Vec::new(),
            queue: VecDeque::new(),
        };
        for id in 1..=n {
            c.start(id, Recovered::fresh());
        }
        c
    }

    fn start(&mut self, id: NodeId, recovered: Recovered<PaxosDurable>) -> Vec<Act> {
        let mut out = Ob::new();
        let core = Paxos::new_with(id, config(self.n), recovered, self.options, &mut out);
        self.nodes.insert(id, core);
        let acts = out.take();
        self.absorb(id, acts.clone());
        acts
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
                Action::Rejected { command, .. } => self.rejected.push((id, command)),
                _ => {}
            }
        }
    }

    pub fn on(&mut self, id: NodeId, f: impl FnOnce(&mut Paxos, &mut Ob)) -> Vec<Act> {
        let core = self.nodes.get_mut(&id).expect("node exists");
        let acts = step(core, f);
        self.absorb(id, acts.clone());
        acts
    }

    pub fn timer(&mut self, id: NodeId, t: Timer) -> Vec<Act> {
        self.on(id, |c, o| c.on_timer(t, o))
    }

    pub fn propose(&mut self, id: NodeId, c: &str) -> Vec<Act> {
        let c = c.as_bytes().to_vec();
        self.on(id, |core, o| core.propose(c, o))
    }

    /// Delivers the first queued message; returns (from, to, msg).
    pub fn deliver_one(&mut self) -> Option<(NodeId, NodeId, Msg)> {
        let (from, to, msg) = self.queue.pop_front()?;
        let m = msg.clone();
        self.on(to, |c, o| c.on_message(from, msg, o));
        Some((from, to, m))
    }

    /// Delivers queued messages (dropping those from or to `down`) until
    /// none is left; returns how many were delivered.
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

    /// The commands `id` committed, each with its slot.
    pub fn commands(&self, id: NodeId) -> Vec<(u32, String)> {
        self.commits
            .get(&id)
            .map(|v| {
                v.iter()
                    .map(|(z, c)| (z.epoch(), String::from_utf8_lossy(c).into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Restarts `id` from what it persisted, with the host's state machine
    /// holding every commit it had applied when `keep_applied`, or nothing.
    pub fn restart(&mut self, id: NodeId, keep_applied: bool) -> Vec<Act> {
        let durable = self.durable.get(&id).cloned().unwrap_or_default();
        let applied = if keep_applied {
            self.commits
                .get(&id)
                .and_then(|v| v.last())
                .map_or(Zxid::ZERO, |(z, _)| *z)
        } else {
            self.commits.remove(&id);
            Zxid::ZERO
        };
        self.start(id, Recovered { durable, applied })
    }
}
