//! `zoolab-check`: model-check a protocol core with stateright.
//!
//! `zoolab-check --protocol multipaxos check [--crashes] [--threads N]
//! [--timeout SECS] [--inject-bug accept-below-promise]` prints every
//! property's verdict, the state counts, the time and readable traces;
//! `zoolab-check --protocol multipaxos explore [--addr 127.0.0.1:3000]`
//! serves stateright's Explorer on loopback until interrupted.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use model_check::check::{self, RunOptions, Stop};
use model_check::multipaxos;
use model_check::properties;
use model_check::register::RegOp;
use protocols::multipaxos::InjectedBug;
use stateright::Model;

#[derive(Parser, Debug)]
#[command(
    name = "zoolab-check",
    about = "Model-check a zoolab protocol core with stateright"
)]
struct Cli {
    /// The protocol whose core is checked.
    #[arg(long, value_enum)]
    protocol: Protocol,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Protocol {
    Multipaxos,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Bug {
    /// Acceptors skip the promise check (accept and promise lower ballots).
    AcceptBelowPromise,
}

impl From<Bug> for InjectedBug {
    fn from(bug: Bug) -> InjectedBug {
        match bug {
            Bug::AcceptBelowPromise => InjectedBug::AcceptBelowPromise,
        }
    }
}

#[derive(clap::Args, Debug)]
struct ModelArgs {
    /// The crash-restart model (max one server down at a time, one client).
    #[arg(long)]
    crashes: bool,
    /// Run a deliberately broken core, to see a counterexample (with two
    /// writers, searched breadth-first, stopping at the first violation).
    #[arg(long, value_enum)]
    inject_bug: Option<Bug>,
    /// The linearizability model: a write at n1, a concurrent read at n2.
    #[arg(long, conflicts_with = "crashes")]
    read: bool,
    /// How many servers (n1, n2, ...) may campaign (default: 2; 1 with
    /// `--read`).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=3))]
    campaigners: Option<u64>,
    /// Campaign whenever no leader is known, not only with work to propose
    /// (duels without work: a much larger state space).
    #[arg(long)]
    eager: bool,
    /// Override the bound on ballot rounds (larger: much slower).
    #[arg(long)]
    max_epoch: Option<u32>,
    /// Replace the clients: one `--client` per client, a script of
    /// operations such as `put:A,get` (repeat the flag for more clients).
    #[arg(long = "client", value_parser = parse_script)]
    clients: Vec<Vec<RegOp>>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Explore every state within the bounds and report each property.
    Check {
        #[command(flatten)]
        model: ModelArgs,
        /// Checker threads (stateright ignores the timeout with one).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(2..))]
        threads: u16,
        /// Give up after this many seconds (the run is then INCOMPLETE).
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Serve stateright's web Explorer on a loopback address (blocks).
    Explore {
        #[command(flatten)]
        model: ModelArgs,
        #[arg(long, default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
    },
}

fn campaigns(args: &ModelArgs) -> multipaxos::Campaigns {
    let default = if args.read {
        multipaxos::READ_CAMPAIGNS
    } else {
        multipaxos::CAMPAIGNS
    };
    multipaxos::Campaigns {
        campaigners: args.campaigners.unwrap_or(default.campaigners),
        eager: args.eager,
    }
}

fn parse_script(text: &str) -> Result<Vec<RegOp>, String> {
    text.split(',')
        .map(|op| match op.trim().split_once(':') {
            None if op.trim() == "get" => Ok(RegOp::Get),
            Some(("put", v)) if v.chars().count() == 1 => v
                .chars()
                .next()
                .map(RegOp::Put)
                .ok_or_else(|| op.to_owned()),
            _ => Err(format!("`{op}` is not `get` or `put:<one char>`")),
        })
        .collect()
}

fn bounds(args: &ModelArgs) -> model_check::model::Bounds {
    let mut bounds = if args.crashes {
        multipaxos::crash_bounds()
    } else if args.read {
        multipaxos::read_bounds()
    } else if args.inject_bug.is_some() {
        multipaxos::duel_bounds()
    } else {
        multipaxos::main_bounds()
    };
    if let Some(max_epoch) = args.max_epoch {
        bounds.max_epoch = max_epoch;
    }
    if !args.clients.is_empty() {
        bounds.clients = args.clients.clone();
    }
    bounds
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Protocol::Multipaxos = cli.protocol;
    match cli.command {
        Cmd::Check {
            model,
            threads,
            timeout,
        } => {
            let bug = model.inject_bug.map(InjectedBug::from);
            let bounds = bounds(&model);
            println!(
                "multipaxos: {} servers, clients {:?}, ballot rounds <= {}, max crashes {}{}",
                bounds.servers,
                bounds.clients,
                bounds.max_epoch,
                bounds.max_crashes,
                bug.map_or(String::new(), |b| format!(", injected bug {b:?}"))
            );
            let opts = RunOptions {
                threads: usize::from(threads),
                timeout: Duration::from_secs(timeout),
                // A broken core is run to show a safety counterexample, fast.
                stop: if bug.is_some() {
                    Stop::AnyOf(vec![properties::AGREEMENT, properties::LINEARIZABLE])
                } else {
                    Stop::Never
                },
                breadth_first: bug.is_some(),
                max_depth: None,
            };
            let report = check::run(multipaxos::model(bounds, campaigns(&model), bug), &opts);
            print!("{}", report.render());
            if report.all_hold() {
                println!("all properties hold");
                ExitCode::SUCCESS
            } else {
                println!("some property failed or the run did not complete");
                ExitCode::FAILURE
            }
        }
        Cmd::Explore { model, addr } => {
            if !addr.ip().is_loopback() {
                eprintln!("error: the Explorer only binds a loopback address, not {addr}");
                return ExitCode::from(2);
            }
            let bug = model.inject_bug.map(InjectedBug::from);
            println!("Explorer on http://{addr}/ (Ctrl-C to stop)");
            multipaxos::model(bounds(&model), campaigns(&model), bug)
                .checker()
                .serve(addr);
            ExitCode::SUCCESS
        }
    }
}
