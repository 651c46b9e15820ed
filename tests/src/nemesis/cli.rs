//! `zoolab-nemesis`'s command line, its summary, and the files of `--out`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use coordinator::server_config::ProtocolName;

use super::schedule::FaultKind;
use super::{Report, RunConfig, check};

/// Fault testing on real server processes: kill -9, SIGSTOP and network
/// partitions, with the history checked for linearizability.
#[derive(Clone, Debug, Parser)]
#[command(name = "zoolab-nemesis")]
pub struct Args {
    /// The protocol the servers run.
    #[arg(long, default_value = "multipaxos")]
    pub protocol: ProtocolName,
    /// 3 or 5 servers.
    #[arg(long, default_value_t = 3, value_parser = three_or_five)]
    pub nodes: usize,
    /// Seconds of faults and traffic.
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// The schedule's seed: the same seed replays the same schedule.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Which faults: any of kill, pause, partition (partitions need root:
    /// they use network namespaces).
    #[arg(long, value_delimiter = ',', default_value = "kill,pause,partition")]
    pub faults: Vec<FaultKind>,
    /// Client workers, each its own session.
    #[arg(long, default_value_t = 5)]
    pub workers: usize,
    /// A directory for the history, schedule and summary.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The `zoolab` binary to run (default: built by cargo next to this one).
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
}

impl Args {
    /// The run these arguments ask for, with the servers from `server_bin`.
    pub fn config(&self, server_bin: PathBuf) -> RunConfig {
        RunConfig {
            protocol: self.protocol,
            nodes: self.nodes,
            duration: Duration::from_secs(self.duration),
            seed: self.seed,
            faults: self.faults.clone(),
            workers: self.workers,
            out: self.out.clone(),
            server_bin,
            server_env: Vec::new(),
        }
    }
}

fn three_or_five(s: &str) -> Result<usize, String> {
    match s {
        "3" => Ok(3),
        "5" => Ok(5),
        _ => Err(format!("{s}: 3 or 5 servers")),
    }
}

/// The summary: operations, outcomes, faults injected, anomalies (each with
/// the operations that show it).
pub fn summary(report: &Report) -> String {
    let (ok, fail, info) = report.outcomes();
    let faults: Vec<String> = report
        .faults
        .iter()
        .map(|(k, n)| format!("{k:?}={n}").to_lowercase())
        .collect();
    let mut s = format!(
        "protocol {} seed {}: {} operations (ok {ok}, fail {fail}, info {info}); faults injected: {} [{}]; anomalies: {}",
        report.protocol,
        report.seed,
        report.ops.len(),
        report.faults.values().sum::<usize>(),
        faults.join(", "),
        report.findings.anomalies.len(),
    );
    if !report.findings.unknown.is_empty() {
        let _ = write!(
            s,
            "; linearizability undecided (search budget) for keys {:?}",
            report.findings.unknown
        );
    }
    for anomaly in &report.findings.anomalies {
        s.push('\n');
        s.push_str(&check::explain(anomaly, &report.ops));
    }
    s
}

/// Writes `history.txt` (every operation), `schedule.txt` (the seeded
/// schedule and what each fault did) and `summary.txt` under `dir`.
pub fn write_out(dir: &Path, report: &Report) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let history: Vec<String> = report.ops.iter().map(ToString::to_string).collect();
    std::fs::write(dir.join("history.txt"), history.join("\n") + "\n")?;
    let mut schedule: Vec<String> = report.schedule.iter().map(ToString::to_string).collect();
    schedule.push(String::new());
    schedule.extend(report.log.iter().cloned());
    std::fs::write(dir.join("schedule.txt"), schedule.join("\n") + "\n")?;
    std::fs::write(dir.join("summary.txt"), summary(report) + "\n")
}
