//! `zoolab-check --protocol <p> livelock`: searches the protocol's livelock
//! model for a duel and prints it, or reports that none exists within the
//! bounds. Exits 0 when the answer is conclusive either way, 1 when the
//! guard timeout ended the search first.

use std::process::ExitCode;
use std::time::Duration;

use crate::livelock::{self, DuelBounds, Duelist, SearchOptions};
use crate::livelock_views;

#[derive(clap::Args, Clone, Debug)]
pub struct LivelockArgs {
    /// The highest ballot round (Zab: epoch) a node may promise.
    #[arg(long, default_value_t = 3)]
    pub max_round: u32,
    /// Multi-Paxos: how many servers (n1, n2, ...) campaign; 1 is a stable
    /// leader.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=3))]
    pub campaigners: u64,
    /// Search breadth-first (shorter traces, much more memory).
    #[arg(long)]
    pub bfs: bool,
    /// Give up after this many seconds (the answer is then INCOMPLETE).
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}

impl LivelockArgs {
    pub fn bounds(&self) -> DuelBounds {
        let mut bounds = livelock::duel_bounds();
        bounds.max_round = self.max_round;
        bounds.model.max_epoch = self.max_round;
        bounds
    }

    pub fn options(&self) -> SearchOptions {
        SearchOptions {
            threads: 2,
            timeout: Duration::from_secs(self.timeout),
            breadth_first: self.bfs,
        }
    }
}

/// Runs the search on `model` and prints the answer.
pub fn report<C: Duelist>(
    header: &str,
    model: livelock::DuelModel<C>,
    args: &LivelockArgs,
) -> ExitCode {
    println!("{header}");
    let report = livelock::search(model, &args.options());
    print!("{}", report.render());
    if report.conclusive {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

pub fn multipaxos(args: &LivelockArgs) -> ExitCode {
    let bounds = args.bounds();
    let header = format!(
        "multipaxos livelock: {} servers, writes at n1 and n2, ballot rounds <= {}, {}",
        bounds.model.servers,
        bounds.max_round,
        if args.campaigners == 1 {
            "a stable leader (only n1 campaigns)".to_owned()
        } else {
            format!("n1..n{} campaign", args.campaigners)
        }
    );
    let model = livelock_views::multipaxos_model(bounds, args.campaigners);
    report(&header, model, args)
}

pub fn zab(args: &LivelockArgs) -> ExitCode {
    let bounds = args.bounds();
    let header = format!(
        "zab livelock: {} servers, FIFO channels, writes at n1 and n2, epochs <= {}",
        bounds.model.servers, bounds.max_round
    );
    report(&header, livelock_views::zab_model(bounds), args)
}
