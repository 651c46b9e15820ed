//! `zoolab-check`: model-check a protocol core with stateright.
//!
//! `zoolab-check --protocol multipaxos check [--crashes] [--threads N]
//! [--timeout SECS] [--inject-bug accept-below-promise]` prints every
//! property's verdict, the state counts, the time and readable traces;
//! `zoolab-check --protocol multipaxos explore [--addr 127.0.0.1:3000]`
//! serves stateright's Explorer on loopback until interrupted.
//! `--protocol zab` does the same for Zab (`--crashes`, `--max-epoch`,
//! `--client`, and `--inject-bug commit-without-quorum|accept-stale-epoch`).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use model_check::check::{self, RunOptions, Stop};
use model_check::livelock_cli;
use model_check::multipaxos;
use model_check::paxos;
use model_check::properties;
use model_check::register::RegOp;
use model_check::zab;
use protocols::multipaxos::InjectedBug;
use protocols::paxos::InjectedBug as PaxosBug;
use protocols::zab::InjectedBug as ZabBug;
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
    Zab,
    Paxos,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Bug {
    /// Acceptors skip the promise check (accept and promise lower ballots).
    AcceptBelowPromise,
    /// Zab: the leader commits a proposal without waiting for a quorum of
    /// ACKs.
    CommitWithoutQuorum,
    /// Zab: followers accept (and count) a NEWEPOCH not above the epoch
    /// they already accepted.
    AcceptStaleEpoch,
}

impl Bug {
    fn multipaxos(self) -> Option<InjectedBug> {
        match self {
            Bug::AcceptBelowPromise => Some(InjectedBug::AcceptBelowPromise),
            Bug::CommitWithoutQuorum | Bug::AcceptStaleEpoch => None,
        }
    }

    fn paxos(self) -> Option<PaxosBug> {
        match self {
            Bug::AcceptBelowPromise => Some(PaxosBug::AcceptBelowPromise),
            Bug::CommitWithoutQuorum | Bug::AcceptStaleEpoch => None,
        }
    }

    fn zab(self) -> Option<ZabBug> {
        match self {
            Bug::CommitWithoutQuorum => Some(ZabBug::CommitWithoutQuorum),
            Bug::AcceptStaleEpoch => Some(ZabBug::AcceptStaleEpoch),
            Bug::AcceptBelowPromise => None,
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
    /// Do not explore states with more messages in flight than this (a
    /// bounded network). Paxos: default unbounded; Zab: 0 means no bound,
    /// the crash run's default is 7.
    #[arg(long)]
    max_in_flight: Option<usize>,
    /// Paxos: explore breadth-first only the states fewer than this many
    /// steps deep (the two-client model is too large to exhaust).
    #[arg(long)]
    max_depth: Option<usize>,
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
    /// Search for dueling proposers (each pre-empted twice in phase 2,
    /// nothing chosen) and print the duel, or report that none exists.
    Livelock(livelock_cli::LivelockArgs),
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
    match cli.protocol {
        Protocol::Multipaxos => multipaxos_main(cli.command),
        Protocol::Zab => zab_main(cli.command),
        Protocol::Paxos => paxos_main(cli.command),
    }
}

/// The bug named by `--inject-bug`, if it is one of `protocol`'s.
fn bug_for<B>(
    model: &ModelArgs,
    protocol: &str,
    pick: fn(Bug) -> Option<B>,
) -> Result<Option<B>, ExitCode> {
    match model.inject_bug {
        None => Ok(None),
        Some(bug) => match pick(bug) {
            Some(b) => Ok(Some(b)),
            None => {
                eprintln!("error: {bug:?} is not a {protocol} bug");
                Err(ExitCode::from(2))
            }
        },
    }
}

fn print_verdict<C: protocols::Core>(report: &check::CheckReport<C>) -> ExitCode {
    print!("{}", report.render());
    if report.all_hold() {
        println!("all properties hold");
        ExitCode::SUCCESS
    } else {
        println!("some property failed or the run did not complete");
        ExitCode::FAILURE
    }
}

fn zab_bounds(args: &ModelArgs, bug: bool) -> model_check::model::Bounds {
    let mut bounds = if args.crashes {
        zab::crash_bounds()
    } else if bug {
        zab::bug_bounds()
    } else {
        zab::main_bounds()
    };
    if let Some(max_epoch) = args.max_epoch {
        bounds.max_epoch = max_epoch;
    }
    if !args.clients.is_empty() {
        bounds.clients = args.clients.clone();
    }
    if let Some(limit) = args.max_in_flight {
        bounds.max_in_flight = (limit > 0).then_some(limit);
    }
    bounds
}

fn zab_detectors(args: &ModelArgs, bug: bool) -> zab::Detectors {
    let detectors = if args.crashes {
        zab::CRASH_DETECTORS
    } else if bug {
        zab::BUG_DETECTORS
    } else {
        zab::MAIN_DETECTORS
    };
    // `--campaigners N`: servers n1..=nN may start an election (`Init`).
    zab::Detectors {
        init_on: args.campaigners.unwrap_or(detectors.init_on),
        ..detectors
    }
}

fn zab_main(command: Cmd) -> ExitCode {
    match command {
        Cmd::Livelock(args) => livelock_cli::zab(&args),
        Cmd::Check {
            model,
            threads,
            timeout,
        } => {
            let bug = match bug_for(&model, "zab", Bug::zab) {
                Ok(bug) => bug,
                Err(code) => return code,
            };
            let bounds = zab_bounds(&model, bug.is_some());
            println!(
                "zab: {} servers, FIFO channels, clients {:?}, epochs <= {}, max crashes {}{}",
                bounds.servers,
                bounds.clients,
                bounds.max_epoch,
                bounds.max_crashes,
                bug.map_or(String::new(), |b| format!(", injected bug {b:?}"))
            );
            let opts = RunOptions {
                threads: usize::from(threads),
                timeout: Duration::from_secs(timeout),
                stop: if bug.is_some() {
                    Stop::AnyOf(zab::SAFETY.to_vec())
                } else {
                    Stop::Never
                },
                breadth_first: false,
                max_depth: None,
            };
            let detectors = zab_detectors(&model, bug.is_some());
            print_verdict(&check::run(zab::model(bounds, detectors, bug), &opts))
        }
        Cmd::Explore { model, addr } => {
            if !addr.ip().is_loopback() {
                eprintln!("error: the Explorer only binds a loopback address, not {addr}");
                return ExitCode::from(2);
            }
            let bug = match bug_for(&model, "zab", Bug::zab) {
                Ok(bug) => bug,
                Err(code) => return code,
            };
            println!("Explorer on http://{addr}/ (Ctrl-C to stop)");
            let detectors = zab_detectors(&model, bug.is_some());
            zab::model(zab_bounds(&model, bug.is_some()), detectors, bug)
                .checker()
                .serve(addr);
            ExitCode::SUCCESS
        }
    }
}

fn multipaxos_main(command: Cmd) -> ExitCode {
    match command {
        Cmd::Livelock(args) => livelock_cli::multipaxos(&args),
        Cmd::Check {
            model,
            threads,
            timeout,
        } => {
            let bug = match bug_for(&model, "multipaxos", Bug::multipaxos) {
                Ok(bug) => bug,
                Err(code) => return code,
            };
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
            print_verdict(&check::run(
                multipaxos::model(bounds, campaigns(&model), bug),
                &opts,
            ))
        }
        Cmd::Explore { model, addr } => {
            if !addr.ip().is_loopback() {
                eprintln!("error: the Explorer only binds a loopback address, not {addr}");
                return ExitCode::from(2);
            }
            let bug = match bug_for(&model, "multipaxos", Bug::multipaxos) {
                Ok(bug) => bug,
                Err(code) => return code,
            };
            println!("Explorer on http://{addr}/ (Ctrl-C to stop)");
            multipaxos::model(bounds(&model), campaigns(&model), bug)
                .checker()
                .serve(addr);
            ExitCode::SUCCESS
        }
    }
}

fn paxos_bounds(args: &ModelArgs) -> model_check::model::Bounds {
    let mut bounds = if args.crashes {
        paxos::crash_bounds()
    } else {
        paxos::main_bounds()
    };
    bounds.max_in_flight = args.max_in_flight.or(bounds.max_in_flight);
    if let Some(max_epoch) = args.max_epoch {
        bounds.max_epoch = max_epoch;
    }
    if !args.clients.is_empty() {
        bounds.clients = args.clients.clone();
    } else if args.max_depth.is_none() && !args.crashes && args.inject_bug.is_none() {
        // The two-client model cannot be exhausted (millions of states at
        // round 1): by default check the one-write model whole, and leave
        // the race of a write and a read to an explicit depth bound.
        println!(
            "(one write, exhaustively; a write racing a read: \
             --client put:A --client get --max-depth 14)"
        );
        bounds.clients = vec![vec![RegOp::Put('A')]];
    }
    bounds
}

fn paxos_main(command: Cmd) -> ExitCode {
    match command {
        Cmd::Livelock(args) => livelock_cli::paxos(&args),
        Cmd::Check {
            model,
            threads,
            timeout,
        } => {
            let bug = match bug_for(&model, "paxos", Bug::paxos) {
                Ok(bug) => bug,
                Err(code) => return code,
            };
            let bounds = paxos_bounds(&model);
            println!(
                "paxos: {} servers, clients {:?}, ballot rounds <= {}, max crashes {}{}{}",
                bounds.servers,
                bounds.clients,
                bounds.max_epoch,
                bounds.max_crashes,
                bug.map_or(String::new(), |b| format!(", injected bug {b:?}")),
                model.max_depth.map_or(String::new(), |d| format!(
                    ", states fewer than {d} steps deep"
                ))
            );
            let opts = RunOptions {
                threads: usize::from(threads),
                timeout: Duration::from_secs(timeout),
                stop: if bug.is_some() {
                    Stop::AnyOf(vec![properties::AGREEMENT, properties::LINEARIZABLE])
                } else {
                    Stop::Never
                },
                breadth_first: bug.is_some() || model.max_depth.is_some(),
                max_depth: model.max_depth,
            };
            print_verdict(&check::run(paxos::model(bounds, bug), &opts))
        }
        Cmd::Explore { model, addr } => {
            if !addr.ip().is_loopback() {
                eprintln!("error: the Explorer only binds a loopback address, not {addr}");
                return ExitCode::from(2);
            }
            let bug = match bug_for(&model, "paxos", Bug::paxos) {
                Ok(bug) => bug,
                Err(code) => return code,
            };
            println!("Explorer on http://{addr}/ (Ctrl-C to stop)");
            paxos::model(paxos_bounds(&model), bug)
                .checker()
                .serve(addr);
            ExitCode::SUCCESS
        }
    }
}
