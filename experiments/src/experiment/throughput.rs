//! Saturated throughput vs read ratio (the ZooKeeper paper's Table 1 and
//! Figure 5): for every available protocol and cluster size, a closed loop
//! of sessions spread over the servers, each keeping requests in flight,
//! at 0, 50, 90 and 100 % reads of 1 KB values; the median over repeated
//! runs.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use coordinator::runtime::ProtocolName;

use super::sweep::{Point, Variant, medians, per_commit_medians, runs_csv, sweep};
use super::{ExperimentError, Output};
use crate::machine::Machine;
use crate::plot::{Series, line_plot};
use crate::run::{BenchConfig, Load};
use crate::workload::{KeyDistribution, Workload};

/// The section name in RESULTS.md, and the files' stem.
pub const NAME: &str = "throughput";

/// The read percentages of the paper's figure.
pub const READ_PERCENTS: [u8; 4] = [0, 50, 90, 100];

/// How big a run is.
#[derive(Clone, Debug)]
pub struct Plan {
    pub protocols: Vec<ProtocolName>,
    pub sizes: Vec<usize>,
    pub repeats: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub sessions: usize,
    pub in_flight: usize,
    pub keys: usize,
    pub smoke: bool,
}

impl Plan {
    /// Seconds per run: CI's guard against rot, not a measurement.
    pub fn smoke() -> Plan {
        Plan {
            protocols: ProtocolName::available().collect(),
            sizes: vec![3],
            repeats: 1,
            warmup: Duration::from_millis(200),
            duration: Duration::from_millis(600),
            sessions: 6,
            in_flight: 2,
            keys: 100,
            smoke: true,
        }
    }

    /// The documented full run.
    pub fn full() -> Plan {
        Plan {
            protocols: ProtocolName::available().collect(),
            sizes: vec![3, 5],
            repeats: 3,
            warmup: Duration::from_secs(2),
            duration: Duration::from_secs(10),
            sessions: 24,
            in_flight: 4,
            keys: 1000,
            smoke: false,
        }
    }
}

/// The loads: a closed loop at each read percentage.
pub fn variants(plan: &Plan) -> Vec<Variant> {
    READ_PERCENTS
        .iter()
        .map(|&r| Variant {
            x: u32::from(r),
            config: BenchConfig {
                workload: Workload::with_reads(r),
                load: Load::Closed {
                    sessions: plan.sessions,
                    in_flight: plan.in_flight,
                },
                value_size: 1024,
                keys: plan.keys,
                distribution: KeyDistribution::Uniform,
                warmup: plan.warmup,
                duration: plan.duration,
                progress: !plan.smoke,
                ..BenchConfig::default()
            },
        })
        .collect()
}

/// Runs the experiment; `exe` is the binary whose `server` subcommand runs
/// a server (`zoolab` or `zoolab-bench`).
pub async fn run_experiment(
    exe: &Path,
    plan: &Plan,
    out: &Output,
) -> Result<Vec<Point>, ExperimentError> {
    std::fs::create_dir_all(&out.dir)?;
    let machine = Machine::describe(&out.dir, if plan.smoke { 20 } else { 200 })?;
    let points = sweep(
        exe,
        NAME,
        &plan.protocols,
        &plan.sizes,
        plan.repeats,
        &variants(plan),
    )
    .await?;
    write_outputs(plan, &machine, &points, out)?;
    Ok(points)
}

fn write_outputs(
    plan: &Plan,
    machine: &Machine,
    points: &[Point],
    out: &Output,
) -> Result<(), ExperimentError> {
    std::fs::write(
        out.dir.join(format!("{NAME}_runs.csv")),
        runs_csv(points, "read_percent"),
    )?;
    let mut med = "protocol,servers,read_percent,median_ops_per_s,median_p99_us\n".to_owned();
    let mut series = Vec::new();
    let mut table = String::from("| protocol | servers |");
    for r in READ_PERCENTS {
        let _ = write!(table, " {r} % reads |");
    }
    table.push_str("\n|---|---|");
    table.push_str(&"---:|".repeat(READ_PERCENTS.len()));
    table.push('\n');
    for &protocol in &plan.protocols {
        for &servers in &plan.sizes {
            let mut line = Vec::new();
            let _ = write!(table, "| {protocol} | {servers} |");
            for r in READ_PERCENTS {
                let [tput, _, p99] = medians(points, protocol, servers, u32::from(r));
                let _ = writeln!(med, "{protocol},{servers},{r},{tput:.1},{p99:.0}");
                let _ = write!(table, " {tput:.0} ops/s (p99 {:.1} ms) |", p99 / 1000.0);
                line.push((f64::from(r), tput));
            }
            table.push('\n');
            series.push(Series {
                label: format!("{protocol}, {servers} servers"),
                points: line,
            });
        }
    }
    let mut traffic = String::from(
        "| protocol | servers | peer messages / commit | peer bytes / commit |\n|---|---|---:|---:|\n",
    );
    for &protocol in &plan.protocols {
        for &servers in &plan.sizes {
            if let Some(c) = per_commit_medians(points, protocol, servers, 0) {
                let _ = writeln!(
                    traffic,
                    "| {protocol} | {servers} | {:.2} | {:.0} |",
                    c.messages, c.bytes
                );
            }
        }
    }
    std::fs::write(out.dir.join(format!("{NAME}.csv")), med)?;
    let png = out.dir.join(format!("{NAME}.png"));
    line_plot(
        &png,
        "Saturated throughput vs read ratio (1 KB values)",
        "reads (%)",
        "operations / s",
        &series,
    )?;
    let body = format!(
        "## Throughput vs read ratio (Table 1 / Figure 5){smoke}\n\n\
         `experiments/run.sh throughput{flag}` — {sessions} sessions × {in_flight} requests in flight \
         over gRPC, spread over the servers; 1 KB values on {keys} keys, uniform; \
         {warm:.1} s warm-up, {dur:.1} s measured; median of {repeats} run(s). \
         Servers and client share the machine.\n\n\
         Machine: {machine}.\n\n{table}\n![throughput]({png_name})\n\n\
         Peer traffic per committed command at 0 % reads (all servers' Status counters, \
         warm-up included; batching and heartbeats are in it):\n\n{traffic}\n\
         Files: `{name}_runs.csv` (every run), `{name}.csv` (medians), `{name}.png`.\n",
        smoke = if plan.smoke {
            " — smoke run, not a measurement"
        } else {
            ""
        },
        flag = if plan.smoke { " --smoke" } else { "" },
        sessions = plan.sessions,
        in_flight = plan.in_flight,
        keys = plan.keys,
        warm = plan.warmup.as_secs_f64(),
        dur = plan.duration.as_secs_f64(),
        repeats = plan.repeats,
        machine = machine.summary(),
        png_name = out.link(&png),
        name = NAME,
    );
    crate::results::write_section(&out.results, NAME, &body)?;
    Ok(())
}
