//! Multi-Paxos in the seeded simulator (see `protocols::sim` for what a run
//! does and checks).
//!
//! ```text
//! cargo test -p protocols --test sim_multipaxos                          # 2,000 seeds
//! ZOOLAB_SIM_SEEDS=100000 cargo test -p protocols --test sim_multipaxos  # a longer sweep
//! ZOOLAB_SIM_SEED=1234 cargo test -p protocols --test sim_multipaxos     # replay one seed
//! ZOOLAB_SIM_SEED=1234 ZOOLAB_SIM_LOG=100000 cargo test -p protocols --test sim_multipaxos -- --nocapture
//!                                         # replay it showing (up to) that many last events
//! ```
//!
//! Every seed derives its whole run ([`SimConfig::randomized`]): 3 or 5
//! nodes and its fault rates. The 3-node and 5-node seeds of the sweep run
//! as two tests so that they use both cores.

use std::time::Instant;

use protocols::multipaxos::{InjectedBug, MpDurable, MultiPaxos};
use protocols::sim::{self, Invariant, SimConfig, Sweep, Violation};
use protocols::{ClusterConfig, Core, NodeId, OutboxOf, Recovered};

const DEFAULT_SEEDS: u64 = 2000;

/// The seeds to run: one (`ZOOLAB_SIM_SEED`), the first n
/// (`ZOOLAB_SIM_SEEDS`), or the default sweep.
fn seeds() -> Vec<u64> {
    let var = |name| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    if let Some(seed) = var("ZOOLAB_SIM_SEED") {
        return vec![seed];
    }
    (0..var("ZOOLAB_SIM_SEEDS").unwrap_or(DEFAULT_SEEDS)).collect()
}

/// The run of `seed`, showing `ZOOLAB_SIM_LOG` last events if a violation.
fn config(seed: u64) -> SimConfig {
    let mut config = SimConfig::randomized(seed);
    if let Some(n) = std::env::var("ZOOLAB_SIM_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.log_len = n;
    }
    config
}

fn sweep(nodes: u64) -> Sweep {
    let started = Instant::now();
    let keep = |c: &SimConfig| c.nodes == nodes;
    let sweep = sim::sweep::<MultiPaxos>(seeds(), config, keep, <MultiPaxos as Core>::new)
        .unwrap_or_else(|violation| panic!("{violation}"));
    println!(
        "{} seeds of {nodes} nodes in {:.2?}: {:?}",
        sweep.runs,
        started.elapsed(),
        sweep.stats
    );
    sweep
}

#[test]
fn three_nodes_keep_agreement_durability_and_progress_under_faults() {
    sweep(3).assert_faults_happened(DEFAULT_SEEDS);
}

#[test]
fn five_nodes_keep_agreement_durability_and_progress_under_faults() {
    sweep(5).assert_faults_happened(DEFAULT_SEEDS);
}

#[test]
fn a_seed_replays_exactly() {
    for seed in [1, 2] {
        let a = sim::run::<MultiPaxos>(SimConfig::randomized(seed));
        assert_eq!(a, sim::run::<MultiPaxos>(SimConfig::randomized(seed)));
    }
}

#[test]
fn without_faults_every_command_commits_everywhere_and_the_cluster_settles_fast() {
    for (seed, nodes) in [(1, 3), (2, 5)] {
        let stats = sim::run::<MultiPaxos>(SimConfig::new(seed, nodes).without_faults())
            .unwrap_or_else(|v| panic!("{v}"));
        assert_eq!(stats.crashes + stats.partitions + stats.net.dropped, 0);
        assert_eq!(
            stats.chosen - stats.ordered_twice,
            stats.proposals,
            "{stats:?}"
        );
        assert_eq!(stats.rejections, 0, "{stats:?}");
        assert!(stats.proposals > 20 && stats.settle_ticks < 20, "{stats:?}");
    }
}

/// Contract rule 3 allows a command at two zxids only when it is
/// re-proposed after a leader change; with one leader and no faults each
/// command should be ordered once.
#[test]
fn without_faults_and_with_one_leader_no_command_is_ordered_twice() {
    for (seed, nodes) in [(1, 3), (2, 5)] {
        let stats = sim::run::<MultiPaxos>(SimConfig::new(seed, nodes).without_faults())
            .unwrap_or_else(|v| panic!("{v}"));
        assert_eq!(stats.ordered_twice, 0, "seed {seed}: {stats:?}");
    }
}

fn accept_below_promise(
    id: NodeId,
    config: ClusterConfig,
    recovered: Recovered<MpDurable>,
    out: &mut OutboxOf<MultiPaxos>,
) -> MultiPaxos {
    MultiPaxos::new_with_bug(
        id,
        config,
        recovered,
        Some(InjectedBug::AcceptBelowPromise),
        out,
    )
}

/// How many seeds the broken core gets to show its bug.
const BROKEN_SEEDS: u64 = 2000;

#[test]
fn acceptors_that_accept_below_their_promise_are_caught_breaking_agreement() {
    let started = Instant::now();
    let caught: Option<Violation> = (0..BROKEN_SEEDS).find_map(|seed| {
        sim::run_with::<MultiPaxos>(SimConfig::randomized(seed), accept_below_promise)
            .err()
            .filter(|v| v.invariant == Invariant::Agreement)
    });
    let Some(v) = caught else {
        panic!("no seed in 0..{BROKEN_SEEDS} caught AcceptBelowPromise breaking agreement");
    };
    println!("caught in {:.2?}:\n{v}", started.elapsed());
    // It replays, and the same schedule is fine without the bug.
    let again = sim::run_with::<MultiPaxos>(SimConfig::randomized(v.seed), accept_below_promise);
    assert_eq!(again.err(), Some(v.clone()));
    assert!(sim::run::<MultiPaxos>(SimConfig::randomized(v.seed)).is_ok());
}
