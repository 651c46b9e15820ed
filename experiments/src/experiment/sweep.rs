//! What every experiment does: for each protocol and cluster size, start a
//! cluster, run each variant of the load `repeats` times, stop the cluster;
//! then medians by (protocol, size, variant).

use std::fmt::Write as _;
use std::path::Path;

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
                    let report = run(&driver, &cfg).await?;
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

/// Every run, one CSV row each, under `x_name`.
pub fn runs_csv(points: &[Point], x_name: &str) -> String {
    let mut out = format!("protocol,servers,{x_name},repeat,{CSV_HEADER}\n");
    for p in points {
        let _ = writeln!(
            out,
            "{},{},{},{},{}",
            p.protocol,
            p.servers,
            p.x,
            p.repeat,
            p.report.csv_row()
        );
    }
    out
}
