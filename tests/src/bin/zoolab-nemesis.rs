//! `zoolab-nemesis`: a bounded fault-testing run over real server processes
//! (see tests/src/nemesis). Exits 1 when an anomaly is found, 2 when the
//! run itself could not be carried out.

use clap::Parser;
use tests::nemesis::{cli, process, run};

fn main() -> std::process::ExitCode {
    let args = cli::Args::parse();
    let server_bin = match args.server_bin.clone() {
        Some(p) => p,
        None => match process::build_server_binary() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("zoolab-nemesis: {e}");
                return std::process::ExitCode::from(2);
            }
        },
    };
    let config = args.config(server_bin);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("zoolab-nemesis: tokio: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match runtime.block_on(run(&config)) {
        Ok(report) => {
            println!("{}", cli::summary(&report));
            if report.findings.anomalies.is_empty() {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("zoolab-nemesis: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
