//! The create loop (the ZooKeeper paper's Table 2): 1, 10 and 20
//! synchronous workers, each creating a fresh node and deleting it again,
//! one request at a time; creates per second, and the latency of the
//! 1-worker run.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use coordinator::runtime::ProtocolName;

use super::sweep::{Point, Variant, medians, runs_csv, sweep};
use super::{ExperimentError, Output};
use crate::machine::Machine;
use crate::plot::{Series, line_plot};
use crate::run::{BenchConfig, Load};
use crate::workload::Workload;

pub const NAME: &str = "create_loop";

/// How big a run is.
#[derive(Clone, Debug)]
pub struct Plan {
    pub protocols: Vec<ProtocolName>,
    pub servers: usize,
    pub workers: Vec<usize>,
    pub repeats: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub smoke: bool,
}

impl Plan {
    pub fn smoke() -> Plan {
        Plan {
            protocols: ProtocolName::available().collect(),
            servers: 3,
            workers: vec![1, 4],
            repeats: 1,
            warmup: Duration::from_millis(200),
            duration: Duration::from_millis(600),
            smoke: true,
        }
    }

    pub fn full() -> Plan {
        Plan {
            protocols: ProtocolName::available().collect(),
            servers: 3,
            workers: vec![1, 10, 20],
            repeats: 3,
            warmup: Duration::from_secs(2),
            duration: Duration::from_secs(10),
            smoke: false,
        }
    }
}

pub fn variants(plan: &Plan) -> Vec<Variant> {
    plan.workers
        .iter()
        .map(|&w| Variant {
            x: w as u32,
            config: BenchConfig {
                workload: Workload::CreateDelete,
                load: Load::Closed {
                    sessions: w,
                    in_flight: 1,
                },
                warmup: plan.warmup,
                duration: plan.duration,
                progress: !plan.smoke,
                ..BenchConfig::default()
            },
        })
        .collect()
}

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
        &[plan.servers],
        plan.repeats,
        &variants(plan),
    )
    .await?;
    std::fs::write(
        out.dir.join(format!("{NAME}_runs.csv")),
        runs_csv(&points, "workers"),
    )?;
    let mut med =
        "protocol,servers,workers,median_creates_per_s,median_p50_us,median_p99_us\n".to_owned();
    let mut table = String::from("| protocol |");
    for w in &plan.workers {
        let _ = write!(table, " {w} worker(s) |");
    }
    table.push_str(" 1-worker latency p50 / p99 |\n|---|");
    table.push_str(&"---:|".repeat(plan.workers.len() + 1));
    table.push('\n');
    let mut series = Vec::new();
    for &protocol in &plan.protocols {
        let _ = write!(table, "| {protocol} |");
        let mut line = Vec::new();
        for &w in &plan.workers {
            let [tput, p50, p99] = medians(&points, protocol, plan.servers, w as u32);
            let _ = writeln!(
                med,
                "{protocol},{},{w},{tput:.1},{p50:.0},{p99:.0}",
                plan.servers
            );
            let _ = write!(table, " {tput:.0} creates/s |");
            line.push((w as f64, tput));
        }
        let [_, p50, p99] = medians(&points, protocol, plan.servers, 1);
        let _ = writeln!(table, " {:.2} / {:.2} ms |", p50 / 1000.0, p99 / 1000.0);
        series.push(Series {
            label: format!("{protocol}, {} servers", plan.servers),
            points: line,
        });
    }
    std::fs::write(out.dir.join(format!("{NAME}.csv")), med)?;
    let png = out.dir.join(format!("{NAME}.png"));
    line_plot(
        &png,
        "Create loop: synchronous workers",
        "workers",
        "creates / s",
        &series,
    )?;
    let body = format!(
        "## Create loop (Table 2){smoke}\n\n\
         `experiments/run.sh create-loop{flag}` — each worker is a session that creates a \
         fresh node (1 KB) and deletes it, one request at a time, over gRPC; {servers} servers; \
         {warm:.1} s warm-up, {dur:.1} s measured; median of {repeats} run(s). \
         A create+delete pair counts as one create.\n\n\
         Machine: {machine}.\n\n{table}\n![create loop]({png_name})\n\n\
         Files: `{NAME}_runs.csv` (every run), `{NAME}.csv` (medians), `{NAME}.png`.\n",
        smoke = if plan.smoke {
            " — smoke run, not a measurement"
        } else {
            ""
        },
        flag = if plan.smoke { " --smoke" } else { "" },
        servers = plan.servers,
        warm = plan.warmup.as_secs_f64(),
        dur = plan.duration.as_secs_f64(),
        repeats = plan.repeats,
        machine = machine.summary(),
        png_name = out.link(&png),
    );
    crate::results::write_section(&out.results, NAME, &body)?;
    Ok(points)
}
