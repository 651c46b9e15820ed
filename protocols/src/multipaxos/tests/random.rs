//! A quick randomized check of this core alone (the seeded simulator in
//! `sim` is the thorough one): random delivery order, loss, duplication,
//! timers, crash-restarts and compaction; after every step the commit
//! sequences must be increasing and agree (contract rule 3), and after the
//! faults stop every surviving proposal must be committed everywhere.

use std::collections::{BTreeMap, BTreeSet};

use super::harness::*;
use crate::contract::{Action, Core, Durable, Recovered};
use crate::rng::SplitMix64;
use crate::types::{NodeId, Zxid};

enum Packet {
    Msg(Msg),
    Snapshot(Zxid),
}

struct World {
    n: u64,
    rng: SplitMix64,
    nodes: BTreeMap<NodeId, MultiPaxos>,
    durable: BTreeMap<NodeId, MpDurable>,
    /// Each host's state machine: the commits it holds, in order.
    applied: BTreeMap<NodeId, Vec<(Zxid, Vec<u8>)>>,
    timers: BTreeMap<NodeId, BTreeSet<Timer>>,
    net: Vec<(NodeId, NodeId, Packet)>,
    /// Proposals a node made and may still owe an outcome for.
    owed: BTreeMap<NodeId, BTreeSet<Vec<u8>>>,
    rejected: BTreeSet<Vec<u8>>,
}

impl World {
    fn new(n: u64, seed: u64) -> World {
        let mut w = World {
            n,
            rng: SplitMix64::new(seed),
            nodes: BTreeMap::new(),
            durable: BTreeMap::new(),
            applied: BTreeMap::new(),
            timers: BTreeMap::new(),
            net: Vec::new(),
            owed: BTreeMap::new(),
            rejected: BTreeSet::new(),
        };
        for id in 1..=n {
            w.boot(id);
        }
        w
    }

    fn boot(&mut self, id: NodeId) {
        let recovered = Recovered {
            durable: self.durable.get(&id).cloned().unwrap_or_default(),
            applied: self.last(id),
        };
        let mut config = config(self.n);
        config.seed = self.rng.next_u64();
        let mut out = Ob::new();
        let core = MultiPaxos::new(id, config, recovered, &mut out);
        self.nodes.insert(id, core);
        self.timers.insert(id, BTreeSet::new());
        self.perform(id, out.take());
    }

    fn last(&self, id: NodeId) -> Zxid {
        self.applied
            .get(&id)
            .and_then(|v| v.last())
            .map_or(Zxid::ZERO, |(z, _)| *z)
    }

    fn perform(&mut self, id: NodeId, acts: Vec<Act>) {
        for a in acts {
            match a {
                Action::Persist(r) => self.durable.entry(id).or_default().apply(&r),
                Action::Send { to, msg } => self.net.push((id, to, Packet::Msg(msg))),
                Action::Commit { zxid, command } => {
                    let log = self.applied.entry(id).or_default();
                    if let Some((last, _)) = log.last() {
                        assert!(zxid > *last, "node {id}: {zxid} after {last}");
                    }
                    log.push((zxid, command));
                }
                Action::SetTimer { timer, .. } => {
                    self.timers.entry(id).or_default().insert(timer);
                }
                Action::CancelTimer(timer) => {
                    self.timers.entry(id).or_default().remove(&timer);
                }
                Action::SendSnapshot { to } => {
                    let at = self.last(id);
                    self.net.push((id, to, Packet::Snapshot(at)));
                }
                Action::StatusChanged(_) => {}
                Action::Rejected { command, .. } => {
                    self.rejected.insert(command);
                }
            }
        }
    }

    fn on(&mut self, id: NodeId, f: impl FnOnce(&mut MultiPaxos, &mut Ob)) {
        let mut out = Ob::new();
        f(self.nodes.get_mut(&id).expect("node"), &mut out);
        self.perform(id, out.take());
    }

    fn deliver(&mut self, i: usize) {
        let (from, to, p) = self.net.swap_remove(i);
        match p {
            Packet::Msg(m) => self.on(to, |c, o| c.on_message(from, m, o)),
            Packet::Snapshot(at) => {
                if at > self.last(to) {
                    let prefix = self.applied.get(&from).cloned().unwrap_or_default();
                    let prefix = prefix.into_iter().filter(|(z, _)| *z <= at).collect();
                    self.applied.insert(to, prefix);
                    self.on(to, |c, o| c.snapshot_installed(at, o));
                }
            }
        }
    }

    fn fire(&mut self, id: NodeId, timer: Timer) {
        self.timers.entry(id).or_default().remove(&timer);
        self.on(id, |c, o| c.on_timer(timer, o));
    }

    fn pick(&mut self, n: usize) -> usize {
        self.rng.between(0, n as u32 - 1) as usize
    }

    fn check_agreement(&self) {
        let mut at: BTreeMap<Zxid, &Vec<u8>> = BTreeMap::new();
        for log in self.applied.values() {
            for (z, c) in log {
                if let Some(other) = at.insert(*z, c) {
                    assert_eq!(other, c, "two commands at {z}");
                }
            }
        }
        let logs: Vec<_> = self.applied.values().collect();
        for a in &logs {
            for b in &logs {
                let k = a.len().min(b.len());
                assert_eq!(a[..k], b[..k], "commit sequences disagree");
            }
        }
    }

    fn chaos_step(&mut self, step: usize) {
        let ids: Vec<NodeId> = (1..=self.n).collect();
        let roll = self.rng.between(0, 99);
        match roll {
            0..=54 if !self.net.is_empty() => {
                let i = self.pick(self.net.len());
                self.deliver(i);
            }
            55..=59 if !self.net.is_empty() => {
                let i = self.pick(self.net.len());
                self.net.swap_remove(i);
            }
            60..=62 if !self.net.is_empty() => {
                let i = self.pick(self.net.len());
                let (f, t, p) = &self.net[i];
                let copy = match p {
                    Packet::Msg(m) => Packet::Msg(m.clone()),
                    Packet::Snapshot(z) => Packet::Snapshot(*z),
                };
                self.net.push((*f, *t, copy));
            }
            63..=79 => {
                let id = ids[self.pick(ids.len())];
                let armed: Vec<Timer> = self.timers[&id].iter().copied().collect();
                if !armed.is_empty() {
                    let t = armed[self.pick(armed.len())];
                    self.fire(id, t);
                }
            }
            80..=91 => {
                let id = ids[self.pick(ids.len())];
                let cmd = format!("p{step}").into_bytes();
                self.owed.entry(id).or_default().insert(cmd.clone());
                self.on(id, |c, o| c.propose(cmd, o));
            }
            92..=94 => {
                let id = ids[self.pick(ids.len())];
                // A crash loses the node's proposals: it owes nothing more.
                self.owed.remove(&id);
                self.boot(id);
            }
            95..=97 => {
                let id = ids[self.pick(ids.len())];
                let upto = self.last(id);
                self.on(id, |c, o| c.compact(upto, o));
            }
            _ => {}
        }
        self.check_agreement();
    }

    /// No more faults: deliver everything, let node 1 lead if nobody does,
    /// and heartbeat until quiet.
    fn heal(&mut self) {
        for round in 0..200 {
            while !self.net.is_empty() {
                self.deliver(0);
            }
            let leaders: Vec<NodeId> = self
                .nodes
                .iter()
                .filter(|(_, c)| c.status().role == crate::types::Role::Leader)
                .map(|(id, _)| *id)
                .collect();
            match leaders.first() {
                None => self.fire(1 + (round % self.n), Timer::Election),
                Some(&l) => {
                    self.fire(l, Timer::Heartbeat);
                    for id in 1..=self.n {
                        if self.timers[&id].contains(&Timer::Reforward) {
                            self.fire(id, Timer::Reforward);
                        }
                    }
                }
            }
            self.check_agreement();
        }
    }
}

fn run(n: u64, seed: u64, steps: usize) {
    let mut w = World::new(n, seed);
    for step in 0..steps {
        w.chaos_step(step);
    }
    w.heal();
    if std::env::var_os("MP_RANDOM_STATS").is_some() {
        let epochs: BTreeSet<u32> = w
            .applied
            .values()
            .flatten()
            .map(|(z, _)| z.epoch())
            .collect();
        eprintln!(
            "seed {seed}: commits {:?} epochs {epochs:?} rejected {}",
            w.applied.values().map(Vec::len).collect::<Vec<_>>(),
            w.rejected.len()
        );
    }
    let longest = w.applied.values().map(Vec::len).max().unwrap_or(0);
    for (id, log) in &w.applied {
        let last = log.last().map(|(z, _)| *z);
        let best = w
            .applied
            .values()
            .filter_map(|l| l.last())
            .map(|(z, _)| *z)
            .max();
        assert_eq!(
            last,
            best,
            "seed {seed}: node {id} did not catch up ({} of {longest})",
            log.len()
        );
    }
    let everything: BTreeSet<Vec<u8>> = w
        .applied
        .values()
        .flat_map(|l| l.iter().map(|(_, c)| c.clone()))
        .collect();
    for (id, owed) in &w.owed {
        for cmd in owed {
            assert!(
                everything.contains(cmd) || w.rejected.contains(cmd),
                "seed {seed}: node {id}'s proposal {} was dropped",
                String::from_utf8_lossy(cmd)
            );
        }
    }
}

#[test]
fn random_schedules_keep_agreement_and_lose_no_proposal() {
    let seeds: u64 = std::env::var("MP_RANDOM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    for seed in 0..seeds {
        run(3, seed, 300);
    }
    for seed in 0..seeds / 3 {
        run(5, seed, 300);
    }
}
