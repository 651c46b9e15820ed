//! Golden transcript tests for Zab (etcd-raft's habit), a sibling of
//! `golden.rs` (which runs Multi-Paxos): each file in
//! `tests/golden/zab/*.txt` is a script, a line `----`, and the transcript
//! the script must produce. The runner drives N Zab servers over an
//! in-memory FIFO network and writes every delivery and what it caused.
//! `UPDATE_GOLDEN=1 cargo test -p protocols --test zab_golden` rewrites the
//! expected part. New scenarios need no Rust code. (The scenarios live in a
//! subdirectory so that `golden.rs`, which runs every `*.txt` of
//! `tests/golden`, does not pick them up.)
//!
//! Script commands (one per line, `#` starts a comment):
//! - `nodes N` — first line: an ensemble of servers 1..=N, none running;
//! - `start N` — server N starts (or restarts) from what it persisted, its
//!   host holding what it applied; only running servers exchange messages;
//! - `propose N cmd` — server N's host submits `cmd`;
//! - `timeout N notify|init|resend|heartbeat|checkquorum|leadersilent|reforward`;
//! - `deliver` — deliver queued messages, and what they cause, until none
//!   is left; `deliver A->B` — deliver only what is queued now from A to B;
//! - `drop` — lose every queued message; `drop A->B` — those from A to B;
//! - `crash N` — server N stops (what is queued to or from it is lost);
//! - `compact N` — server N's host snapshots everything it applied;
//! - `status` — every running server's status.
//!
//! Snapshots travel through the same FIFO network as messages. After each
//! step the runner checks that commits are in increasing zxid order and
//! agree between servers (contract rule 3), and fails the scenario if not.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use protocols::zab::{Msg, Record, Sync, Timer, Vote, Zab, ZabDurable};
use protocols::{Action, ClusterConfig, Command, Core, Durable, NodeId, Outbox, Recovered, Zxid};

type Act = Action<Msg, Timer, Record>;

enum Packet {
    Msg(Msg),
    /// The sender's host streams its state machine, which holds every
    /// commit up to this zxid.
    Snapshot(Zxid),
}

struct Net {
    n: u64,
    nodes: BTreeMap<NodeId, Zab>,
    durable: BTreeMap<NodeId, ZabDurable>,
    /// What each host's state machine holds, in order; a snapshot install
    /// replaces the prefix by the sender's.
    applied: BTreeMap<NodeId, Vec<(Zxid, String)>>,
    up: BTreeSet<NodeId>,
    queue: VecDeque<(NodeId, NodeId, Packet)>,
    out: String,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn vote(v: &Vote) -> String {
    format!("({},{},{})", v.epoch, v.zxid, v.leader)
}

fn entries(e: &BTreeMap<Zxid, Command>) -> String {
    let parts: Vec<String> = e.iter().map(|(z, c)| format!("{z}:{}", text(c))).collect();
    format!("[{}]", parts.join(" "))
}

fn msg(m: &Msg) -> String {
    match m {
        Msg::Notification {
            vote: v,
            round,
            state,
        } => {
            format!("NOTIFICATION vote={} round={round} {state}", vote(v))
        }
        Msg::CEpoch { accepted_epoch } => format!("CEPOCH accepted={accepted_epoch}"),
        Msg::NewEpoch { epoch } => format!("NEWEPOCH e={epoch}"),
        Msg::AckEpoch {
            epoch,
            current_epoch,
            last,
            fresh,
        } => format!(
            "ACKEPOCH e={epoch} current={current_epoch} last={last}{}",
            if *fresh { "" } else { " (not counted)" }
        ),
        Msg::NewLeader {
            epoch,
            sync,
            last,
            committed,
        } => {
            let how = match sync {
                Sync::Diff { base, entries: e } => format!("DIFF base={base} {}", entries(e)),
                Sync::Trunc { base, entries: e } => format!("TRUNC base={base} {}", entries(e)),
            };
            format!("NEWLEADER e={epoch} {how} last={last} committed={committed}")
        }
        Msg::AckLd { epoch, last } => format!("ACKLD e={epoch} last={last}"),
        Msg::CommitLd { epoch, committed } => format!("COMMITLD e={epoch} committed={committed}"),
        Msg::Propose {
            epoch,
            zxid,
            command,
        } => {
            format!("PROPOSE e={epoch} {zxid} {}", text(command))
        }
        Msg::Ack { epoch, zxid } => format!("ACK e={epoch} {zxid}"),
        Msg::Commit { epoch, zxid } => format!("COMMIT e={epoch} {zxid}"),
        Msg::Ping { epoch, committed } => format!("PING e={epoch} committed={committed}"),
        Msg::Forward { command } => format!("FORWARD {}", text(command)),
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
        Record::AcceptedEpoch(e) => format!("acceptedEpoch {e}"),
        Record::CurrentEpoch(e) => format!("currentEpoch {e}"),
        Record::Append { zxid, command } => format!("log {zxid} {}", text(command)),
        Record::Truncate(z) => format!("truncate after {z}"),
        Record::Compact(z) => format!("compact upto={z}"),
    }
}

fn status_line(core: &Zab) -> String {
    let s = core.status();
    let leader = s.leader.map_or("-".to_string(), |l| l.to_string());
    let phase = if core.is_broadcasting() {
        " broadcasting"
    } else {
        ""
    };
    format!(
        "{} leader={leader} epoch={} committed={}{phase}",
        s.role, s.epoch, s.last_committed
    )
}

impl Net {
    fn new(n: u64) -> Net {
        Net {
            n,
            nodes: BTreeMap::new(),
            durable: BTreeMap::new(),
            applied: BTreeMap::new(),
            up: BTreeSet::new(),
            queue: VecDeque::new(),
            out: String::new(),
        }
    }

    fn line(&mut self, indent: &str, s: &str) {
        let _ = writeln!(self.out, "{indent}{s}");
    }

    /// Performs a server's actions the way a host does, in order, and
    /// writes each one (timers aside: they are set at every message and
    /// would bury the protocol).
    fn perform(&mut self, id: NodeId, acts: Vec<Act>, indent: &str) {
        for a in acts {
            match a {
                Action::Persist(r) => {
                    self.line(indent, &format!("{id}: persist {}", record(&r)));
                    self.durable.entry(id).or_default().apply(&r);
                }
                Action::Send { to, msg } => {
                    if self.up.contains(&to) {
                        self.queue.push_back((id, to, Packet::Msg(msg)));
                    }
                }
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

    fn on(&mut self, id: NodeId, f: impl FnOnce(&mut Zab, &mut Outbox<Msg, Timer, Record>)) {
        if !self.up.contains(&id) {
            self.line("  ", &format!("{id} is down"));
            return;
        }
        let mut out = Outbox::new();
        let core = self.nodes.get_mut(&id).expect("running server");
        f(core, &mut out);
        self.perform(id, out.take(), "  ");
    }

    fn deliver(&mut self, from: NodeId, to: NodeId, p: Packet) {
        self.line("", &format!("{from}->{to} {}", packet(&p)));
        match p {
            Packet::Msg(m) => self.on(to, |c, o| c.on_message(from, m, o)),
            Packet::Snapshot(at) => {
                let prefix: Vec<_> = self.applied.get(&from).cloned().unwrap_or_default();
                let prefix = prefix.into_iter().filter(|(z, _)| *z <= at).collect();
                self.applied.insert(to, prefix);
                self.on(to, |c, o| c.snapshot_installed(at, o));
            }
        }
    }

    fn start(&mut self, id: NodeId) {
        self.up.insert(id);
        let recovered = Recovered {
            durable: self.durable.get(&id).cloned().unwrap_or_default(),
            applied: self.last_applied(id),
        };
        let mut out = Outbox::new();
        let core = Zab::new(id, ClusterConfig::new(1..=self.n), recovered, &mut out);
        self.nodes.insert(id, core);
        self.perform(id, out.take(), "  ");
    }

    /// Contract rule 3: increasing zxids on each server, one sequence for all.
    fn check_commits(&self) -> Result<(), String> {
        for (id, log) in &self.applied {
            if log.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(format!("server {id}: commits out of order: {log:?}"));
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

    fn lose(&mut self, keep: impl Fn(NodeId, NodeId) -> bool) {
        let (kept, lost): (Vec<_>, Vec<_>) =
            self.queue.drain(..).partition(|(f, t, _)| keep(*f, *t));
        self.queue = kept.into();
        for (from, to, p) in lost {
            self.line("  ", &format!("lost {from}->{to} {}", packet(&p)));
        }
    }

    fn step(&mut self, cmd: &str) -> Result<(), String> {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        let node = |i: usize| -> Result<NodeId, String> {
            words
                .get(i)
                .and_then(|w| w.parse().ok())
                .filter(|id| (1..=self.n).contains(id))
                .ok_or_else(|| format!("`{cmd}`: expected a server id"))
        };
        let pair = |i: usize| -> Result<(NodeId, NodeId), String> {
            let w = words.get(i).ok_or(format!("`{cmd}`: expected A->B"))?;
            let (a, b) = w
                .split_once("->")
                .ok_or(format!("`{cmd}`: expected A->B"))?;
            let a = a.parse().map_err(|_| format!("`{cmd}`: bad server"))?;
            let b = b.parse().map_err(|_| format!("`{cmd}`: bad server"))?;
            Ok((a, b))
        };
        match words.first().copied() {
            Some("start") => {
                let id = node(1)?;
                self.start(id);
            }
            Some("propose") => {
                let id = node(1)?;
                let c = words.get(2).ok_or(format!("`{cmd}`: expected a command"))?;
                let c = c.as_bytes().to_vec();
                self.on(id, |core, o| core.propose(c, o));
            }
            Some("timeout") => {
                let id = node(1)?;
                let timer = match words.get(2).copied() {
                    Some("notify") => Timer::Notify,
                    Some("init") => Timer::Init,
                    Some("resend") => Timer::Resend,
                    Some("heartbeat") => Timer::Heartbeat,
                    Some("checkquorum") => Timer::CheckQuorum,
                    Some("leadersilent") => Timer::LeaderSilent,
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
            Some("drop") if words.len() == 1 => self.lose(|_, _| false),
            Some("drop") => {
                let (a, b) = pair(1)?;
                self.lose(|f, t| (f, t) != (a, b));
            }
            Some("crash") => {
                let id = node(1)?;
                self.up.remove(&id);
                self.lose(|f, t| f != id && t != id);
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
                        let down = if self.up.contains(id) { "" } else { " (down)" };
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
    for l in lines {
        let _ = writeln!(net.out, "> {l}");
        net.step(l).map_err(|e| format!("at `{l}`: {e}"))?;
    }
    Ok(net.out)
}

mod golden_support;

#[test]
fn golden_transcripts_match() {
    golden_support::check_all("golden/zab", run);
}
