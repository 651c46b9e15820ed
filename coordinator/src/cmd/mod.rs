//! The `zoolab` command: clap arguments and one module per subcommand; the
//! binary (`src/bin/zoolab.rs`) only calls [`main`].
//!
//! - [`args`]: the command line;
//! - [`server`]: `zoolab server --config zoo.cfg` — one node, its peer
//!   transport and its gRPC service, until SIGINT/SIGTERM;
//! - [`cluster`]: `zoolab cluster` — a local cluster of `zoolab server`
//!   processes, stopped together;
//! - [`status`]: `zoolab status` — a server's mode, as `zkServer.sh status`;
//! - [`cli`]: `zoolab cli` — zkCli, over the gRPC client;
//! - [`local`]: the files of a local cluster (also used by the integration
//!   tests), [`ports`]: free loopback ports;
//! - [`stop`]: signals and the stdin pipe that stop a process;
//! - [`logging`]: tracing to stderr, quiet unless `RUST_LOG` says more.

pub mod args;
pub mod cli;
pub mod cluster;
mod fourlw_hook;
pub mod local;
pub mod logging;
pub mod ports;
pub mod server;
pub mod status;
pub mod stop;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use stop::StopSignals;

/// Parses the command line, runs the subcommand, and turns its outcome into
/// the exit status: 0 on success, 1 with a message on stderr otherwise
/// (2 for usage errors, from clap).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init();
    if let Command::Cli(args) = &cli.command {
        return cli::main(&args.words);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    let result: Result<(), Box<dyn std::error::Error>> = runtime.block_on(async {
        match &cli.command {
            Command::Server(args) => {
                let mut signals = StopSignals::install(args.exit_on_stdin_eof)?;
                server::run(args, &mut signals).await?;
            }
            Command::Cluster(args) => {
                let mut signals = StopSignals::install(false)?;
                cluster::run(args, &mut signals).await?;
            }
            Command::Status(args) => status::run(args).await?,
            Command::Cli(_) => {}
        }
        Ok(())
    });
    // Detached tasks (a blocked stdin reader, lingering connections) must
    // not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("zoolab: {message}");
    ExitCode::FAILURE
}
