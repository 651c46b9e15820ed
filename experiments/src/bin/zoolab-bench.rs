//! `zoolab-bench`: run a benchmark against a cluster, or a whole experiment
//! (which starts its own clusters from this very binary's `server`
//! subcommand).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use coordinator::cmd::args::ServerArgs;
use coordinator::cmd::stop::StopSignals;
use experiments::driver::GrpcDriver;
use experiments::experiment::{Output, create_loop, throughput};
use experiments::report::CSV_HEADER;
use experiments::run::{BenchConfig, Load, run};
use experiments::workload::{KeyDistribution, Workload};

#[derive(Parser)]
#[command(name = "zoolab-bench", about = "Benchmarks and experiments for zoolab")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load a running cluster and report throughput and latency.
    Run(RunArgs),
    /// Run an experiment end to end (clusters, CSV, PNG, RESULTS.md).
    Experiment(ExperimentArgs),
    /// Run one zoolab server (what the experiments start).
    #[command(hide = true)]
    Server(ServerArgs),
}

#[derive(Args)]
struct RunArgs {
    /// gRPC endpoints, comma-separated; sessions are spread over them.
    #[arg(long, value_delimiter = ',', required = true)]
    servers: Vec<String>,
    /// setdata, getdata, mixed:<read %>, create-delete.
    #[arg(long, default_value = "setdata")]
    workload: Workload,
    #[arg(long, default_value_t = 4)]
    sessions: usize,
    /// Closed loop: requests in flight per session.
    #[arg(long, default_value_t = 1)]
    in_flight: usize,
    /// Open loop: total requests per second (instead of a closed loop).
    #[arg(long)]
    rate: Option<f64>,
    /// Bytes per value.
    #[arg(long, default_value_t = 1024)]
    value_size: usize,
    #[arg(long, default_value_t = 1000)]
    keys: usize,
    /// uniform, zipf, zipf:<s>.
    #[arg(long, default_value = "uniform")]
    distribution: KeyDistribution,
    /// Seconds of warm-up (not measured).
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Seconds measured.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Server pids whose CPU and peak RSS to report.
    #[arg(long, value_delimiter = ',')]
    pids: Vec<u32>,
    /// Do not create the keys first.
    #[arg(long)]
    no_prepare: bool,
    #[arg(long)]
    no_progress: bool,
    /// Write the JSON report here (default: standard output).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Append a CSV row here (the header first when the file is new).
    #[arg(long)]
    csv: Option<PathBuf>,
}

#[derive(Args)]
struct ExperimentArgs {
    #[command(subcommand)]
    which: Experiment,
}

#[derive(Subcommand)]
enum Experiment {
    /// Saturated throughput vs read ratio (Table 1 / Figure 5).
    Throughput(ExperimentOpts),
    /// The create loop with 1, 10, 20 synchronous workers (Table 2).
    CreateLoop(ExperimentOpts),
}

#[derive(Args)]
struct ExperimentOpts {
    /// Seconds, not minutes: CI's check that the experiment still runs.
    #[arg(long)]
    smoke: bool,
    /// Runs per point (median reported).
    #[arg(long)]
    repeats: Option<usize>,
    /// Seconds measured per run.
    #[arg(long)]
    duration: Option<f64>,
    /// Where CSV and PNG files go.
    #[arg(long, default_value = "experiments/results")]
    out: PathBuf,
    /// The RESULTS.md to update.
    #[arg(long, default_value = "experiments/RESULTS.md")]
    results: PathBuf,
}

fn seconds(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

async fn bench(args: &RunArgs) -> Result<(), Box<dyn std::error::Error>> {
    let load = match args.rate {
        Some(rate) => Load::Open {
            sessions: args.sessions,
            rate,
        },
        None => Load::Closed {
            sessions: args.sessions,
            in_flight: args.in_flight,
        },
    };
    let cfg = BenchConfig {
        workload: args.workload,
        load,
        value_size: args.value_size,
        keys: args.keys,
        distribution: args.distribution,
        warmup: seconds(args.warmup),
        duration: seconds(args.duration),
        seed: args.seed,
        server_pids: args.pids.clone(),
        prepare: !args.no_prepare,
        progress: !args.no_progress,
    };
    let driver = GrpcDriver::new(args.servers.clone());
    let report = run(&driver, &cfg).await?;
    match &args.json {
        Some(path) => std::fs::write(path, report.to_json() + "\n")?,
        None => println!("{}", report.to_json()),
    }
    if let Some(path) = &args.csv {
        use std::io::Write;
        let new = !path.exists();
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        if new {
            writeln!(f, "{CSV_HEADER}")?;
        }
        writeln!(f, "{}", report.csv_row())?;
    }
    Ok(())
}

async fn experiment(args: &ExperimentArgs) -> Result<(), Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let (opts, name) = match &args.which {
        Experiment::Throughput(o) => (o, throughput::NAME),
        Experiment::CreateLoop(o) => (o, create_loop::NAME),
    };
    let out = Output {
        dir: opts.out.clone(),
        results: opts.results.clone(),
    };
    let repeats = |r: usize| opts.repeats.map_or(r, |n| n.max(1));
    let duration = |d: Duration| opts.duration.map_or(d, seconds);
    match &args.which {
        Experiment::Throughput(_) => {
            let mut plan = if opts.smoke {
                throughput::Plan::smoke()
            } else {
                throughput::Plan::full()
            };
            plan.repeats = repeats(plan.repeats);
            plan.duration = duration(plan.duration);
            throughput::run_experiment(&exe, &plan, &out).await?;
        }
        Experiment::CreateLoop(_) => {
            let mut plan = if opts.smoke {
                create_loop::Plan::smoke()
            } else {
                create_loop::Plan::full()
            };
            plan.repeats = repeats(plan.repeats);
            plan.duration = duration(plan.duration);
            create_loop::run_experiment(&exe, &plan, &out).await?;
        }
    }
    eprintln!(
        "wrote {}/{name}*.{{csv,png}} and the {name} section of {}",
        out.dir.display(),
        out.results.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Server(_) = cli.command {
        coordinator::cmd::logging::init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zoolab-bench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result: Result<(), Box<dyn std::error::Error>> = runtime.block_on(async {
        match &cli.command {
            Command::Run(args) => bench(args).await,
            Command::Experiment(args) => experiment(args).await,
            Command::Server(args) => {
                let mut signals = StopSignals::install(args.exit_on_stdin_eof)?;
                coordinator::cmd::server::run(args, &mut signals).await?;
                Ok(())
            }
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zoolab-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
