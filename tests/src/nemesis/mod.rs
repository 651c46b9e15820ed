//! A Jepsen-style nemesis over real `zoolab` server processes: client
//! workers record a history of register operations while a seeded
//! schedule kills, pauses and partitions the servers; the healed cluster is
//! read back and every checker runs over the history.
//!
//! - [`history`]: operations with invoke/complete times and ok/fail/info;
//! - [`workload`]: the workers (each its own session of the Rust client);
//! - [`schedule`]: the seeded, printed fault schedule;
//! - [`process`]: the servers, kill -9/restart, SIGSTOP/SIGCONT;
//! - [`netns`]: network namespaces and link cuts for partitions;
//! - [`final_state`]: the healed cluster read back;
//! - [`check`]: linearizability, session order, durability;
//! - [`cli`]: the `zoolab-nemesis` command line and its summary.

pub mod check;
pub mod cli;
pub mod final_state;
pub mod history;
pub mod netns;
pub mod process;
pub mod schedule;
pub mod workload;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coordinator::server_config::ProtocolName;

use crate::cluster::Options;
use check::Findings;
use history::{History, Op, Outcome};
use netns::NetError;
use process::Servers;
use schedule::{Event, FaultKind};
use workload::Workload;

/// What a run does.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub protocol: ProtocolName,
    pub nodes: usize,
    pub duration: Duration,
    pub seed: u64,
    pub faults: Vec<FaultKind>,
    pub workers: usize,
    /// Where the history, schedule and summary are written, if anywhere.
    pub out: Option<PathBuf>,
    /// The `zoolab` binary the servers run.
    pub server_bin: PathBuf,
    /// Extra environment for the servers (`K=V`).
    pub server_env: Vec<String>,
}

/// What a run found.
#[derive(Clone, Debug)]
pub struct Report {
    pub protocol: ProtocolName,
    pub seed: u64,
    pub schedule: Vec<Event>,
    /// What each event did, as it happened.
    pub log: Vec<String>,
    pub ops: Vec<Op>,
    pub faults: BTreeMap<FaultKind, usize>,
    pub findings: Findings,
}

impl Report {
    /// (ok, fail, info) counts.
    pub fn outcomes(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for op in &self.ops {
            match &op.outcome {
                Some(Outcome::Fail(_)) => counts.1 += 1,
                Some(Outcome::Info(_)) | None => counts.2 += 1,
                Some(_) => counts.0 += 1,
            }
        }
        counts
    }
}

/// Why a run could not be carried out (as opposed to anomalies found).
#[derive(Debug)]
pub enum RunError {
    Net(NetError),
    /// The cluster never agreed on a leader.
    NoLeader(String),
    /// The healed cluster could not be read back.
    Unreadable(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Net(e) => write!(f, "{e}"),
            RunError::NoLeader(when) => write!(f, "no leader {when}"),
            RunError::Unreadable(e) => write!(f, "reading the healed cluster: {e}"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<NetError> for RunError {
    fn from(e: NetError) -> RunError {
        RunError::Net(e)
    }
}

/// How long a healed cluster may take to elect a leader.
const SETTLE: Duration = Duration::from_secs(25);

/// Runs the workload under the schedule and checks the history. Progress
/// (the schedule, each fault as it happens) is printed as it goes.
pub async fn run(cfg: &RunConfig) -> Result<Report, RunError> {
    let tag = format!("[nemesis {} seed {}]", cfg.protocol, cfg.seed);
    let partitions = cfg.faults.contains(&FaultKind::Partition);
    let mut servers = Servers::start(
        Options::new(cfg.nodes, cfg.protocol),
        &cfg.server_bin,
        cfg.server_env.clone(),
        partitions,
    )?;
    let ids = servers.cluster.ids();
    let schedule = schedule::generate(cfg.seed, cfg.duration, &cfg.faults, &ids);
    println!("{tag} {} servers, schedule:", cfg.nodes);
    for event in &schedule {
        println!("{tag}   {event}");
    }
    servers
        .settle(SETTLE)
        .await
        .ok_or_else(|| RunError::NoLeader("at start".into()))?;
    let connect = servers.connect_string();
    final_state::set_up(&connect)
        .await
        .map_err(RunError::Unreadable)?;

    let history = Arc::new(History::new());
    let load = Arc::new(Workload {
        history: history.clone(),
        connect: connect.clone(),
        stop: AtomicBool::new(false),
        sessions: Mutex::new(workload::Sessions::default()),
    });
    let workers: Vec<_> = (0..cfg.workers)
        .map(|id| tokio::spawn(workload::worker(id, load.clone(), cfg.seed)))
        .collect();

    let (log, faults) = nemesis(&mut servers, &schedule, cfg.duration, &tag).await?;
    let leader = servers.settle(SETTLE).await;
    println!("{tag} healed; leader {leader:?}");
    if leader.is_none() {
        return Err(RunError::NoLeader("after healing".into()));
    }
    // Some traffic on the healed cluster before the workers stop.
    tokio::time::sleep(Duration::from_secs(2)).await;
    load.stop.store(true, Ordering::Relaxed);
    let mut clients = Vec::new();
    for w in workers {
        if let Ok(Some(c)) = w.await {
            clients.push(c);
        }
    }
    let fin = final_state::read(&connect, &history, cfg.workers, &load, &clients)
        .await
        .map_err(RunError::Unreadable)?;
    drop(servers);
    let ops = history.ops();
    let findings = check::check_all(&ops, workload::INITIAL, &fin);
    let report = Report {
        protocol: cfg.protocol,
        seed: cfg.seed,
        schedule,
        log,
        ops,
        faults,
        findings,
    };
    if let Some(dir) = &cfg.out {
        cli::write_out(dir, &report).map_err(|e| RunError::Unreadable(e.to_string()))?;
    }
    Ok(report)
}

/// Plays the schedule; returns the log and how many faults of each kind
/// were injected.
async fn nemesis(
    servers: &mut Servers,
    schedule: &[Event],
    duration: Duration,
    tag: &str,
) -> Result<(Vec<String>, BTreeMap<FaultKind, usize>), RunError> {
    let start = tokio::time::Instant::now();
    let mut log = Vec::new();
    let mut faults = BTreeMap::new();
    let say = |line: String, log: &mut Vec<String>| {
        let line = format!("{:>7.2}s {line}", start.elapsed().as_secs_f64());
        println!("{tag} {line}");
        log.push(line);
    };
    for event in schedule {
        tokio::time::sleep_until(start + event.at).await;
        let did = servers.inject(&event.fault).await?;
        *faults.entry(event.fault.kind()).or_insert(0) += 1;
        say(did, &mut log);
        tokio::time::sleep_until(start + event.at + event.hold).await;
        for line in servers.heal()? {
            say(line, &mut log);
        }
    }
    tokio::time::sleep_until(start + duration).await;
    Ok((log, faults))
}
