//! Golden transcript tests (etcd-raft's habit): each file in
//! `tests/golden/*.txt` is a script, a line `----`, and the transcript the
//! script must produce. The runner drives N Multi-Paxos cores over an
//! in-memory FIFO network and writes every delivery and what it caused.
//! `UPDATE_GOLDEN=1 cargo test -p protocols --test golden` rewrites the
//! expected part. New scenarios need no Rust code.
//!
//! Script commands (one per line, `#` starts a comment):
//! - `nodes N` — first line: a cluster of nodes 1..=N, all fresh;
//! - `propose N cmd` — node N's host submits `cmd`;
//! - `timeout N election|heartbeat|checkquorum|reforward` — fire a timer;
//! - `deliver` — deliver queued messages, and what they cause, until none
//!   is left; `deliver A->B` — deliver only what is queued now from A to B;
//! - `drop` — lose every queued message; `drop A->B` — those from A to B;
//! - `crash N` — node N stops (its queued messages are lost, and so is
//!   whatever is sent to it until it restarts); `restart N` — rebuild it from
//!   what it persisted, its host holding what it applied;
//! - `compact N` — node N's host snapshots everything it applied;
//! - `status` — every node's status.
//!
//! Snapshots travel through the same FIFO network as messages. After each
//! step the runner checks that commits are in increasing zxid order and
//! agree between nodes (contract rule 3), and fails the scenario if not.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use protocols::multipaxos::{Entry, MpDurable, Msg, MultiPaxos, Record, Timer, Vote};
use protocols::{Action, ClusterConfig, Core, Durable, NodeId, Outbox, Recovered, Zxid};

type Act = Action<Msg, Timer, Record>;

enum Packet {
    Msg(Msg),
    /// The sender's host streams its state machine, which holds every
    /// commit up to this zxid.
    Snapshot(Zxid),
}

struct Net {
    n: u64,
    nodes: BTreeMap<NodeId, MultiPaxos>,
    durable: BTreeMap<NodeId, MpDurable>,
    /// What each host's state machine holds: (zxid, command) in order; a
    /// snapshot install replaces the prefix by the sender's.
    applied: BTreeMap<NodeId, Vec<(Zxid, String)>>,
    down: BTreeSet<NodeId>,
    queue: VecDeque<(NodeId, NodeId, Packet)>,
    out: String,
}

fn config(n: u64) -> ClusterConfig {
    ClusterConfig::new(1..=n)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn entry(e: &Entry) -> String {
    match &e.command {
        Some(c) => format!("{}#{}", text(c), e.epoch),
        None => format!("noop#{}", e.epoch),
    }
}

fn votes(v: &BTreeMap<u32, Vote>) -> String {
    let parts: Vec<String> = v
        .iter()
        .map(|(s, v)| format!("{s}:{}@{}", entry(&v.entry), v.ballot))
        .collect();
    format!("[{}]", parts.join(" "))
}

fn msg(m: &Msg) -> String {
    match m {
        Msg::Prepare { ballot, first } => format!("Prepare b={ballot} first={first}"),
        Msg::Promise {
            ballot,
            votes: v,
            compacted,
        } => format!(
            "Promise b={ballot} votes={} compacted={compacted}",
            votes(v)
        ),
        Msg::Nack { promised } => format!("Nack promised={promised}"),
        Msg::Accept {
            ballot,
            slot,
            entry: e,
        } => format!("Accept b={ballot} slot={slot} {}", entry(e)),
        Msg::Accepted { ballot, slot } => format!("Accepted b={ballot} slot={slot}"),
        Msg::Chosen { ballot, upto } => format!("Chosen b={ballot} upto={upto}"),
        Msg::Learned { ballot, upto } => format!("Learned b={ballot} upto={upto}"),
        Msg::Behind { ballot, upto } => format!("Behind b={ballot} upto={upto}"),
        Msg::CatchUp { ballot, entries } => format!("CatchUp b={ballot} {}", votes(entries)),
        Msg::Forward { command } => format!("Forward {}", text(command)),
    }
}

fn packet(p: &Packet) -> String {
    match p {
        Packet::Msg(m) => msg(m),
        Packet::Snapshot(z) => format!("SNAPSHOT upto={z}"),
    }
}

fn record(r: &Record) -> String {
    match r {
        Record::Promise(b) => format!("promise {b}"),
        Record::Accept { slot, vote } => {
            format!("vote slot={slot} {}@{}", entry(&vote.entry), vote.ballot)
        }
        Record::Compact(z) => format!("compact upto={z}"),
    }
}

fn status_line(core: &MultiPaxos) -> String {
    let s = core.status();
    let leader = s.leader.map_or("-".to_string(), |l| l.to_string());
    format!(
        "{} leader={leader} epoch={} committed={}",
        s.role, s.epoch, s.last_committed
    )
}

impl Net {
    fn new(n: u64) -> Net {
        let mut net = Net {
            n,
            nodes: BTreeMap::new(),
            durable: BTreeMap::new(),
            applied: BTreeMap::new(),
            down: BTreeSet::new(),
            queue: VecDeque::new(),
            out: String::new(),
        };
        for id in 1..=n {
            let mut out = Outbox::new();
            let core = MultiPaxos::new(id, config(n), Recovered::fresh(), &mut out);
            net.nodes.insert(id, core);
            net.perform(id, out.take(), "");
        }
        net
    }

    fn line(&mut self, indent: &str, s: &str) {
        let _ = writeln!(self.out, "{indent}{s}");
    }

    /// Performs a node's actions the way a host does, in order, and writes
    /// each one (timers aside: they are set at every message and would
    /// bury the protocol).
    fn perform(&mut self, id: NodeId, acts: Vec<Act>, indent: &str) {
        for a in acts {
            match a {
                Action::Persist(r) => {
                    self.line(indent, &format!("{id}: persist {}", record(&r)));
                    self.durable.entry(id).or_default().apply(&r);
                }
                Action::Send { to, msg } => self.queue.push_back((id, to, Packet::Msg(msg))),
                Action::Commit { zxid, command } => {
                    let c = text(&command);
                    self.line(indent, &format!("{id}: commit {zxid} {c}"));
                    self.applied.entry(id).or_default().push((zxid, c));
                }
                Action::SetTimer { .. } | Action::CancelTimer(_) => {}
                Action::SendSnapshot { to } => {
                    let at = self.last_applied(id);
                    self.line(indent, &format!("{id}: send snapshot to {to} upto={at}"));
                    self.queue.push_back((id, to, Packet::Snapshot(at)));
                }
                Action::StatusChanged(_) => {
                    let s = status_line(&self.nodes[&id]);
                    self.line(indent, &format!("{id}: status {s}"));
                }
                Action::Rejected { command, reason } => {
                    let c = text(&command);
                    self.line(indent, &format!("{id}: reject {c} {reason:?}"));
                }
            }
        }
    }

    fn last_applied(&self, id: NodeId) -> Zxid {
        self.applied
            .get(&id)
            .and_then(|v| v.last())
            .map_or(Zxid::ZERO, |(z, _)| *z)
    }

    fn on(&mut self, id: NodeId, f: impl FnOnce(&mut MultiPaxos, &mut Outbox<Msg, Timer, Record>)) {
        if self.down.contains(&id) {
            self.line("  ", &format!("{id} is down"));
            return;
        }
        let mut out = Outbox::new();
        let core = self.nodes.get_mut(&id).expect("node in range");
        f(core, &mut out);
        self.perform(id, out.take(), "  ");
    }

    fn deliver(&mut self, from: NodeId, to: NodeId, p: Packet) {
        if self.down.contains(&to) {
            self.line(
                "",
                &format!("{from}->{to} {} (lost: {to} is down)", packet(&p)),
            );
            return;
        }
        self.line("", &format!("{from}->{to} {}", packet(&p)));
        match p {
            Packet::Msg(m) => self.on(to, |c, o| c.on_message(from, m, o)),
            Packet::Snapshot(at) => {
                // The receiving host replaces its state machine by the
                // sender's up to `at`, then tells its core.
                let prefix: Vec<_> = self.applied.get(&from).cloned().unwrap_or_default();
                let prefix = prefix.into_iter().filter(|(z, _)| *z <= at).collect();
                self.applied.insert(to, prefix);
                self.on(to, |c, o| c.snapshot_installed(at, o));
            }
        }
    }

    /// Contract rule 3: increasing zxids on each node, one sequence for all.
    fn check_commits(&self) -> Result<(), String> {
        for (id, log) in &self.applied {
            if log.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(format!("node {id}: commits out of order: {log:?}"));
            }
        }
        let logs: Vec<&Vec<(Zxid, String)>> = self.applied.values().collect();
        for a in &logs {
            for b in &logs {
                let n = a.len().min(b.len());
                if a[..n] != b[..n] {
                    return Err(format!("commit sequences disagree: {a:?} vs {b:?}"));
                }
            }
        }
        Ok(())
    }

    fn step(&mut self, cmd: &str) -> Result<(), String> {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let node = |i: usize| -> Result<NodeId, String> {
            words
                .get(i)
                .and_then(|w| w.parse().ok())
                .ok_or_else(|| format!("`{cmd}`: expected a node id"))
        };
        let pair = |i: usize| -> Result<(NodeId, NodeId), String> {
            let w = words.get(i).ok_or(format!("`{cmd}`: expected A->B"))?;
            let (a, b) = w
                .split_once("->")
                .ok_or(format!("`{cmd}`: expected A->B"))?;
            let a = a.parse().map_err(|_| format!("`{cmd}`: bad node"))?;
            let b = b.parse().map_err(|_| format!("`{cmd}`: bad node"))?;
            Ok((a, b))
        };
        match words.first().copied() {
            Some("propose") => {
                let id = node(1)?;
                let c = words.get(2).ok_or(format!("`{cmd}`: expected a command"))?;
                let c = c.as_bytes().to_vec();
                self.on(id, |core, o| core.propose(c, o));
            }
            Some("timeout") => {
                let id = node(1)?;
                let timer = match words.get(2).copied() {
                    Some("election") => Timer::Election,
                    Some("heartbeat") => Timer::Heartbeat,
                    Some("checkquorum") => Timer::CheckQuorum,
                    Some("reforward") => Timer::Reforward,
                    _ => return Err(format!("`{cmd}`: unknown timer")),
                };
                self.on(id, |core, o| core.on_timer(timer, o));
            }
            Some("deliver") if words.len() == 1 => {
                let mut n = 0;
                while let Some((from, to, p)) = self.queue.pop_front() {
                    n += 1;
                    if n > 10_000 {
                        return Err("message storm".into());
                    }
                    self.deliver(from, to, p);
                }
            }
            Some("deliver") => {
                let (a, b) = pair(1)?;
                let (now, rest): (Vec<_>, Vec<_>) = self
                    .queue
                    .drain(..)
                    .partition(|(f, t, _)| (*f, *t) == (a, b));
                self.queue = rest.into();
                for (from, to, p) in now {
                    self.deliver(from, to, p);
                }
            }
            Some("drop") => {
                let (keep, lost): (Vec<_>, Vec<_>) = if words.len() == 1 {
                    (Vec::new(), self.queue.drain(..).collect())
                } else {
                    let (a, b) = pair(1)?;
                    let (lost, keep) = self
                        .queue
                        .drain(..)
                        .partition(|(f, t, _)| (*f, *t) == (a, b));
                    (keep, lost)
                };
                self.queue = keep.into();
                for (from, to, p) in lost {
                    self.line("  ", &format!("lost {from}->{to} {}", packet(&p)));
                }
            }
            Some("crash") => {
                let id = node(1)?;
                self.down.insert(id);
                let (lost, keep): (Vec<_>, Vec<_>) = self
                    .queue
                    .drain(..)
                    .partition(|(f, t, _)| *f == id || *t == id);
                self.queue = keep.into();
                for (from, to, p) in lost {
                    self.line("  ", &format!("lost {from}->{to} {}", packet(&p)));
                }
            }
            Some("restart") => {
                let id = node(1)?;
                self.down.remove(&id);
                let recovered = Recovered {
                    durable: self.durable.get(&id).cloned().unwrap_or_default(),
                    applied: self.last_applied(id),
                };
                let mut out = Outbox::new();
                let core = MultiPaxos::new(id, config(self.n), recovered, &mut out);
                self.nodes.insert(id, core);
                self.perform(id, out.take(), "  ");
            }
            Some("compact") => {
                let id = node(1)?;
                let upto = self.last_applied(id);
                self.on(id, |core, o| core.compact(upto, o));
            }
            Some("status") => {
                let lines: Vec<String> = self
                    .nodes
                    .iter()
                    .map(|(id, core)| {
                        let down = if self.down.contains(id) {
                            " (down)"
                        } else {
                            ""
                        };
                        format!("{id}: {}{down}", status_line(core))
                    })
                    .collect();
                for l in lines {
                    self.line("  ", &l);
                }
            }
            _ => return Err(format!("unknown command `{cmd}`")),
        }
        self.check_commits()
    }
}

/// Runs a script and returns its transcript.
fn run(script: &str) -> Result<String, String> {
    let mut lines = script
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let first = lines.next().ok_or("empty script")?;
    let n = first
        .strip_prefix("nodes ")
        .and_then(|n| n.trim().parse().ok())
        .ok_or("the first line must be `nodes N`")?;
    let mut net = Net::new(n);
    net.out.clear();
    for l in lines {
        let _ = writeln!(net.out, "> {l}");
        net.step(l).map_err(|e| format!("at `{l}`: {e}"))?;
    }
    Ok(net.out)
}

mod golden_support;

#[test]
fn golden_transcripts_match() {
    golden_support::check_all("golden", run);
}
