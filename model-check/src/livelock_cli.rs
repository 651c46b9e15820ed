//! `zoolab-check --protocol <p> livelock`: searches the protocol's livelock
//! model for a duel and prints it, or reports that none exists within the
//! bounds. Exits 0 when the answer is conclusive either way, 1 when the
//! guard timeout ended the search first.

use std::process::ExitCode;
use std::time::Duration;

use crate::livelock::{self, DuelBounds, Duelist, SearchOptions};
use protocols::NodeId;

use crate::{livelock_views, paxos};

#[derive(clap::Args, Clone, Debug)]
pub struct LivelockArgs {
    /// The highest ballot round (Zab: epoch) a node may promise.
    #[arg(long, default_value_t = 5)]
    pub max_round: u32,
    /// Multi-Paxos: how many servers (n1, n2, ...) campaign; 1 is a stable
    /// leader.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=3))]
    pub campaigners: u64,
    /// Never deliver messages between these two servers (`1-2`): a
    /// schedule an asynchronous network allows, which shrinks the search
    /// for a duel (an absence found under it proves less).
    /// (Default: `1-2`.)
    #[arg(long = "slow-link", value_parser = parse_link, conflicts_with = "all_links")]
    pub slow_links: Vec<(NodeId, NodeId)>,
    /// Deliver every message: search the full model (an absence then
    /// proves more; a search for a duel takes far longer).
    #[arg(long)]
    pub all_links: bool,
    /// Search breadth-first (shorter traces, much more memory).
    #[arg(long)]
    pub bfs: bool,
    /// Explore the whole bounded space even after a duel is found (an
    /// exact state count).
    #[arg(long)]
    pub exhaust: bool,
    /// Give up after this many seconds (the answer is then INCOMPLETE).
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}

impl LivelockArgs {
    pub fn bounds(&self) -> DuelBounds {
        let mut bounds = livelock::duel_bounds();
        bounds.max_round = self.max_round;
        bounds.model.max_epoch = self.max_round;
        if self.all_links {
            bounds.slow_links.clear();
        } else if !self.slow_links.is_empty() {
            bounds.slow_links = self.slow_links.clone();
        }
        bounds
    }

    pub fn options(&self) -> SearchOptions {
        SearchOptions {
            threads: 2,
            timeout: Duration::from_secs(self.timeout),
            breadth_first: self.bfs,
            stop_at_duel: !self.exhaust,
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
    match model.cfg.slow_links.as_slice() {
        [] => println!("schedule: every message may be delivered"),
        links => println!(
            "schedule: never delivered between {} (an asynchronous network may delay them past the trace)",
            links
                .iter()
                .map(|(a, b)| format!("n{a} and n{b}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
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

pub fn paxos(args: &LivelockArgs) -> ExitCode {
    let bounds = args.bounds();
    let header = format!(
        "paxos livelock: {} servers, writes at n1 and n2, backoff off, ballot rounds <= {}",
        bounds.model.servers, bounds.max_round
    );
    report(&header, paxos::livelock_model(bounds), args)
}

fn parse_link(text: &str) -> Result<(NodeId, NodeId), String> {
    let (a, b) = text
        .split_once('-')
        .ok_or_else(|| format!("`{text}` is not `<node>-<node>`"))?;
    let node = |n: &str| {
        n.trim()
            .parse::<NodeId>()
            .map_err(|e| format!("`{n}`: {e}"))
    };
    Ok((node(a)?, node(b)?))
}
