//! What a run leaves behind: its statistics on success, or a [`Violation`]
//! naming the seed, the broken invariant, the last events of the schedule
//! and the command that replays it.

use std::collections::VecDeque;
use std::fmt;

use super::network::NetStats;
use crate::contract::{Command, RejectReason};
use crate::types::{NodeId, Zxid};

/// The properties the simulator checks, one file each under `invariants/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Invariant {
    Validity,
    Agreement,
    CommitOrder,
    Durability,
    Progress,
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Invariant::Validity => "validity",
            Invariant::Agreement => "agreement",
            Invariant::CommitOrder => "commit-order",
            Invariant::Durability => "durability",
            Invariant::Progress => "progress",
        })
    }
}

/// An invariant checker's finding, before the simulator adds its context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    pub invariant: Invariant,
    pub detail: String,
}

impl Breach {
    pub fn new(invariant: Invariant, detail: impl Into<String>) -> Breach {
        Breach {
            invariant,
            detail: detail.into(),
        }
    }
}

/// A client command as the simulator prints it: `#17` for the 17th command.
pub struct ShowCommand<'a>(pub &'a Command);

impl fmt::Display for ShowCommand<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match <[u8; 8]>::try_from(self.0.as_slice()) {
            Ok(bytes) => write!(f, "#{}", u64::from_be_bytes(bytes)),
            Err(_) => write!(f, "{:?}", self.0),
        }
    }
}

/// One entry of the schedule: what the simulator did or saw.
#[derive(Clone, Debug)]
pub enum Event<M, T> {
    Deliver {
        from: NodeId,
        to: NodeId,
        msg: M,
    },
    DeliverSnapshot {
        from: NodeId,
        to: NodeId,
        at: Zxid,
    },
    IgnoreStaleSnapshot {
        from: NodeId,
        to: NodeId,
        at: Zxid,
    },
    Timer {
        node: NodeId,
        timer: T,
    },
    Propose {
        node: NodeId,
        command: Command,
    },
    Compact {
        node: NodeId,
        upto: Zxid,
    },
    Commit {
        node: NodeId,
        zxid: Zxid,
        command: Command,
    },
    Rejected {
        node: NodeId,
        command: Command,
        reason: RejectReason,
    },
    /// `after_actions` is set when the node died part-way through a batch.
    Crash {
        node: NodeId,
        after_actions: Option<usize>,
    },
    Restart {
        node: NodeId,
        applied: Zxid,
    },
    Cut {
        a: NodeId,
        b: NodeId,
    },
    Isolate {
        node: NodeId,
    },
    Heal,
    Pause {
        node: NodeId,
        ticks: u32,
    },
    FaultsStopped,
}

impl<M: fmt::Debug, T: fmt::Debug> fmt::Display for Event<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Deliver { from, to, msg } => write!(f, "deliver {from}->{to} {msg:?}"),
            Event::DeliverSnapshot { from, to, at } => {
                write!(f, "install snapshot {from}->{to} at {at}")
            }
            Event::IgnoreStaleSnapshot { from, to, at } => {
                write!(f, "ignore stale snapshot {from}->{to} at {at}")
            }
            Event::Timer { node, timer } => write!(f, "timer {node} {timer:?}"),
            Event::Propose { node, command } => {
                write!(f, "propose {} at {node}", ShowCommand(command))
            }
            Event::Compact { node, upto } => write!(f, "compact {node} upto {upto}"),
            Event::Commit {
                node,
                zxid,
                command,
            } => write!(f, "  commit {node} {zxid} {}", ShowCommand(command)),
            Event::Rejected {
                node,
                command,
                reason,
            } => write!(f, "  rejected {node} {} {reason:?}", ShowCommand(command)),
            Event::Crash {
                node,
                after_actions: None,
            } => write!(f, "crash {node}"),
            Event::Crash {
                node,
                after_actions: Some(k),
            } => write!(f, "crash {node} after {k} actions of its batch"),
            Event::Restart { node, applied } => write!(f, "restart {node} applied {applied}"),
            Event::Cut { a, b } => write!(f, "cut {a} {b}"),
            Event::Isolate { node } => write!(f, "isolate {node}"),
            Event::Heal => write!(f, "heal"),
            Event::Pause { node, ticks } => write!(f, "pause {node} for {ticks} ticks"),
            Event::FaultsStopped => write!(f, "faults stopped: healed, restarted, reliable"),
        }
    }
}

/// The last `capacity` events, stamped with their tick.
#[derive(Clone, Debug)]
pub struct EventLog<M, T> {
    capacity: usize,
    events: VecDeque<(u64, Event<M, T>)>,
}

impl<M: fmt::Debug, T: fmt::Debug> EventLog<M, T> {
    pub fn new(capacity: usize) -> EventLog<M, T> {
        EventLog {
            capacity,
            events: VecDeque::with_capacity(capacity + 1),
        }
    }

    pub fn record(&mut self, tick: u64, event: Event<M, T>) {
        if self.capacity == 0 {
            return;
        }
        if self.events.len() == self.capacity {
            self.events.pop_front();
        }
        self.events.push_back((tick, event));
    }

    pub fn render(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|(tick, event)| format!("t{tick:<5} {event}"))
            .collect()
    }
}

/// A run that broke an invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub seed: u64,
    /// The core's `Core::NAME`, which names the test file that replays it.
    pub protocol: &'static str,
    pub invariant: Invariant,
    pub detail: String,
    pub tick: u64,
    pub step: u64,
    /// The last events of the schedule, oldest first.
    pub recent: Vec<String>,
}

impl Violation {
    /// The one command that replays this run.
    pub fn replay_command(&self) -> String {
        format!(
            "ZOOLAB_SIM_SEED={} cargo test -p protocols --test sim_{}",
            self.seed, self.protocol
        )
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} violated {} at tick {} (step {}), seed {}:",
            self.protocol, self.invariant, self.tick, self.step, self.seed
        )?;
        writeln!(f, "  {}", self.detail)?;
        writeln!(f, "last {} events:", self.recent.len())?;
        for line in &self.recent {
            writeln!(f, "  {line}")?;
        }
        write!(f, "replay: {}", self.replay_command())
    }
}

/// What a run that broke nothing did, so tests can check that the faults
/// they asked for really happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    pub ticks: u64,
    pub steps: u64,
    pub commits: u64,
    /// Distinct zxids committed somewhere.
    pub chosen: u64,
    /// Commands committed at more than one zxid (a protocol may re-propose
    /// one after a leader change; the state machine deduplicates).
    pub ordered_twice: u64,
    pub proposals: u64,
    pub rejections: u64,
    pub abandoned: u64,
    pub crashes: u64,
    pub crashes_mid_batch: u64,
    pub partitions: u64,
    pub pauses: u64,
    pub compactions: u64,
    pub snapshots_installed: u64,
    /// Ticks from the end of the fault phase until every node agreed.
    pub settle_ticks: u64,
    pub net: NetStats,
}

impl RunStats {
    /// Sums a sweep's runs.
    pub fn add(&mut self, other: &RunStats) {
        self.ticks += other.ticks;
        self.steps += other.steps;
        self.commits += other.commits;
        self.chosen += other.chosen;
        self.ordered_twice += other.ordered_twice;
        self.proposals += other.proposals;
        self.rejections += other.rejections;
        self.abandoned += other.abandoned;
        self.crashes += other.crashes;
        self.crashes_mid_batch += other.crashes_mid_batch;
        self.partitions += other.partitions;
        self.pauses += other.pauses;
        self.compactions += other.compactions;
        self.snapshots_installed += other.snapshots_installed;
        self.settle_ticks = self.settle_ticks.max(other.settle_ticks);
        self.net.sent += other.net.sent;
        self.net.delivered += other.net.delivered;
        self.net.dropped += other.net.dropped;
        self.net.duplicated += other.net.duplicated;
        self.net.partitioned += other.net.partitioned;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_only_the_last_events_and_the_violation_says_how_to_replay() {
        let mut log: EventLog<u8, u8> = EventLog::new(3);
        for node in 1..=5 {
            log.record(node, Event::Isolate { node });
        }
        let recent = log.render();
        assert_eq!(recent.len(), 3);
        assert!(recent[0].contains("isolate 3") && recent[2].contains("isolate 5"));
        let v = Violation {
            seed: 42,
            protocol: "multipaxos",
            invariant: Invariant::Agreement,
            detail: "x".into(),
            tick: 1,
            step: 2,
            recent,
        };
        let text = v.to_string();
        assert!(text.contains("seed 42") && text.contains("violated agreement"));
        assert!(text.contains("ZOOLAB_SIM_SEED=42 cargo test -p protocols --test sim_multipaxos"));
    }

    #[test]
    fn commands_print_as_their_client_sequence_number() {
        assert_eq!(
            ShowCommand(&17u64.to_be_bytes().to_vec()).to_string(),
            "#17"
        );
        assert_eq!(ShowCommand(&vec![1, 2]).to_string(), "[1, 2]");
    }
}
