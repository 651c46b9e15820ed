//! What every experiment does: for each protocol and cluster size, start a
//! cluster, run each variant of the load `repeats` times, stop the cluster;
//! then medians by (protocol, size, variant).

use std::fmt::Write as _;
use std::path::Path;

use coordinator::client::server_status;
use coordinator::runtime::ProtocolName;

use super::{ExperimentError, median};
use crate::cluster::LocalCluster;
use crate::driver::GrpcDriver;
use crate::report::{BenchReport, CSV_HEADER};
use crate::run::{BenchConfig, run};

/// One load of an experiment, named by its x value (read %, workers…).
#[derive(Clone, Debug)]
pub struct Variant {
    pub x: u32,
    pub config: BenchConfig,
}

/// One measured run.
#[derive(Clone, Debug)]
pub struct Point {
    pub protocol: ProtocolName,
    pub servers: usize,
    pub x: u32,
    pub repeat: usize,
    pub report: BenchReport,
    /// Peer traffic per committed command over the run (warm-up included),
    /// from the servers' Status counters; `None` when nothing committed.
    pub per_commit: Option<PerCommit>,
}

/// Peer messages and bytes the whole cluster sent per committed command.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PerCommit {
    pub messages: f64,
    pub bytes: f64,
}

/// The cluster's counters: messages and bytes sent (summed over the
/// servers) and commits (the most any server applied).
async fn counters(endpoints: &[String]) -> Option<(u64, u64, u64)> {
    let mut total = (0, 0, 0);
    for e in endpoints {
        let s = server_status(e).await.ok()?;
        total.0 += s.messages_sent;
        total.1 += s.bytes_sent;
        total.2 = total.2.max(s.commits);
    }
    Some(total)
}

fn per_commit(
    before: Option<(u64, u64, u64)>,
    after: Option<(u64, u64, u64)>,
) -> Option<PerCommit> {
    let (b, a) = (before?, after?);
    let commits = a.2.checked_sub(b.2).filter(|c| *c > 0)? as f64;
    Some(PerCommit {
        messages: a.0.saturating_sub(b.0) as f64 / commits,
        bytes: a.1.saturating_sub(b.1) as f64 / commits,
    })
}

/// Runs every variant on every (protocol, size), `repeats` times. The
/// first run on each cluster creates the keys.
pub async fn sweep(
    exe: &Path,
    name: &str,
    protocols: &[ProtocolName],
    sizes: &[usize],
    repeats: usize,
    variants: &[Variant],
) -> Result<Vec<Point>, ExperimentError> {
    let mut points = Vec::new();
    for &protocol in protocols {
        for &servers in sizes {
            let cluster = LocalCluster::start(exe, protocol, servers).await?;
            let driver = GrpcDriver::new(cluster.endpoints_leader_first().await);
            for repeat in 0..repeats {
                for (i, v) in variants.iter().enumerate() {
                    let cfg = BenchConfig {
                        seed: repeat as u64 + 1,
                        server_pids: cluster.pids(),
                        prepare: repeat == 0 && i == 0,
                        ..v.config.clone()
                    };
                    let before = counters(&cluster.endpoints()).await;
                    let report = run(&driver, &cfg).await?;
                    let per_commit = per_commit(before, counters(&cluster.endpoints()).await);
                    eprintln!(
                        "{name}: {protocol} n={servers} x={} run {}: {:.0} ops/s, p50 {} µs, p99 {} µs, {} errors",
                        v.x,
                        repeat + 1,
                        report.throughput,
                        report.latency_us.p50,
                        report.latency_us.p99,
                        report.errors
                    );
                    points.push(Point {
                        protocol,
                        servers,
                        x: v.x,
                        repeat,
                        report,
                        per_commit,
                    });
                }
            }
            cluster.stop().await;
        }
    }
    Ok(points)
}

/// Medians of one (protocol, size, x): throughput, p50 and p99 (µs).
pub fn medians(points: &[Point], protocol: ProtocolName, servers: usize, x: u32) -> [f64; 3] {
    let runs: Vec<&BenchReport> = points
        .iter()
        .filter(|p| p.protocol == protocol && p.servers == servers && p.x == x)
        .map(|p| &p.report)
        .collect();
    let of =
        |f: &dyn Fn(&BenchReport) -> f64| median(&runs.iter().map(|r| f(r)).collect::<Vec<_>>());
    [
        of(&|r| r.throughput),
        of(&|r| r.latency_us.p50 as f64),
        of(&|r| r.latency_us.p99 as f64),
    ]
}

/// Medians of one (protocol, size, x)'s peer messages and bytes per
/// commit, over the runs that committed.
pub fn per_commit_medians(
    points: &[Point],
    protocol: ProtocolName,
    servers: usize,
    x: u32,
) -> Option<PerCommit> {
    let runs: Vec<PerCommit> = points
        .iter()
        .filter(|p| p.protocol == protocol && p.servers == servers && p.x == x)
        .filter_map(|p| p.per_commit)
        .collect();
    (!runs.is_empty()).then(|| PerCommit {
        messages: median(&runs.iter().map(|c| c.messages).collect::<Vec<_>>()),
        bytes: median(&runs.iter().map(|c| c.bytes).collect::<Vec<_>>()),
    })
}

/// Every run, one CSV row each, under `x_name`.
pub fn runs_csv(points: &[Point], x_name: &str) -> String {
    let mut out = format!(
        "protocol,servers,{x_name},repeat,{CSV_HEADER},messages_per_commit,bytes_per_commit\n"
    );
    for p in points {
        let (m, b) = p.per_commit.map_or((String::new(), String::new()), |c| {
            (format!("{:.2}", c.messages), format!("{:.0}", c.bytes))
        });
        let _ = writeln!(
            out,
            "{},{},{},{},{},{m},{b}",
            p.protocol,
            p.servers,
            p.x,
            p.repeat,
            p.report.csv_row()
        );
    }
    out
}
