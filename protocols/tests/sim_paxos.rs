//! Basic Paxos in the seeded simulator (see `protocols::sim` for what a run
//! does and checks: agreement, commit order, durability, validity and
//! progress under loss, duplication, reordering, partitions, pauses,
//! crash-restarts mid-batch, compaction and snapshot transfer).
//!
//! ```text
//! cargo test -p protocols --test sim_paxos                          # 2,000 seeds
//! ZOOLAB_SIM_SEEDS=100000 cargo test -p protocols --test sim_paxos  # a longer sweep
//! ZOOLAB_SIM_SEED=1234 cargo test -p protocols --test sim_paxos     # replay one seed
//! ZOOLAB_SIM_SEED=1234 ZOOLAB_SIM_LOG=100000 cargo test -p protocols --test sim_paxos -- --nocapture
//! ```
//!
//! The 3-node and 5-node seeds of the sweep run as two tests so that they
//! use both cores; a third sweep runs without backoff (the duel slows
//! progress but must break nothing).

use std::time::Instant;

use protocols::paxos::{InjectedBug, Paxos, PaxosDurable, PaxosOptions};
use protocols::sim::{self, Constructor, Invariant, SimConfig, Sweep, Violation};
use protocols::{ClusterConfig, Core, NodeId, OutboxOf, Recovered};

const DEFAULT_SEEDS: u64 = 2000;

/// How much slower the clients propose than in the other protocols' runs.
/// Basic Paxos decides one command per slot, one slot at a time per
/// proposer, each in two round trips at best (and more when proposers
/// contend): it cannot carry the load a pipelining leader can, and the
/// progress bound would fail for throughput, not for a bug.
const LOAD_DIVISOR: u32 = 1;

/// The run of `seed` with the clients slowed to what basic Paxos carries.
fn config(seed: u64) -> SimConfig {
    let mut config = sim::config_from_env(seed);
    config.clients.propose_permille /= LOAD_DIVISOR;
    config
}

fn sweep(nodes: u64, ctor: Constructor<Paxos>) -> Sweep {
    let started = Instant::now();
    let keep = |c: &SimConfig| c.nodes == nodes;
    let seeds = sim::seeds_from_env(DEFAULT_SEEDS);
    let sweep = sim::sweep::<Paxos>(seeds, config, keep, ctor)
        .unwrap_or_else(|violation| panic!("{violation}"));
    println!(
        "{} seeds of {nodes} nodes in {:.2?}: {:?}",
        sweep.runs,
        started.elapsed(),
        sweep.stats
    );
    sweep
}

fn with_options(
    id: NodeId,
    config: ClusterConfig,
    recovered: Recovered<PaxosDurable>,
    options: PaxosOptions,
    out: &mut OutboxOf<Paxos>,
) -> Paxos {
    Paxos::new_with(id, config, recovered, options, out)
}

fn without_backoff(
    id: NodeId,
    config: ClusterConfig,
    recovered: Recovered<PaxosDurable>,
    out: &mut OutboxOf<Paxos>,
) -> Paxos {
    let options = PaxosOptions {
        backoff: false,
        bug: None,
    };
    with_options(id, config, recovered, options, out)
}

fn accept_below_promise(
    id: NodeId,
    config: ClusterConfig,
    recovered: Recovered<PaxosDurable>,
    out: &mut OutboxOf<Paxos>,
) -> Paxos {
    let options = PaxosOptions {
        backoff: true,
        bug: Some(InjectedBug::AcceptBelowPromise),
    };
    with_options(id, config, recovered, options, out)
}

#[test]
fn three_nodes_keep_agreement_durability_and_progress_under_faults() {
    sweep(3, <Paxos as Core>::new).assert_faults_happened(DEFAULT_SEEDS);
}

#[test]
fn five_nodes_keep_agreement_durability_and_progress_under_faults() {
    sweep(5, <Paxos as Core>::new).assert_faults_happened(DEFAULT_SEEDS);
}

/// Without backoff proposers may duel for ever (the seed's livelock): a
/// run may then fail its progress bound, but never a safety invariant.
/// With backoff (the sweeps above) no run fails at all.
#[test]
fn without_backoff_duels_may_stall_progress_but_never_break_safety() {
    let seeds = sim::seeds_from_env(DEFAULT_SEEDS / 4);
    let runs = seeds.len();
    let mut stalled = 0;
    for seed in seeds {
        let config = config(seed);
        // The settle bound ran out: the final check reports the node that
        // lags (as progress, or as a commit it does not hold yet).
        let deadline = config.fault_ticks + config.settle_ticks;
        match sim::run_with::<Paxos>(config, without_backoff) {
            Ok(_) => {}
            Err(v) if v.invariant == Invariant::Progress || v.tick >= deadline => stalled += 1,
            Err(v) => panic!("{v}"),
        }
    }
    println!("without backoff, {stalled} of {runs} runs stalled in a duel");
}

#[test]
fn a_seed_replays_exactly() {
    for seed in [1, 2] {
        let a = sim::run::<Paxos>(config(seed));
        assert_eq!(a, sim::run::<Paxos>(config(seed)));
    }
}

#[test]
fn without_faults_every_command_commits_everywhere_once() {
    for (seed, nodes) in [(1, 3), (2, 5)] {
        let stats = sim::run::<Paxos>(SimConfig::new(seed, nodes).without_faults())
            .unwrap_or_else(|v| panic!("{v}"));
        assert_eq!(stats.crashes + stats.partitions + stats.net.dropped, 0);
        assert_eq!(stats.ordered_twice, 0, "{stats:?}");
        assert_eq!(stats.chosen, stats.proposals, "{stats:?}");
        assert_eq!(stats.rejections, 0, "{stats:?}");
        assert!(
            stats.proposals > 20 && stats.settle_ticks < 200,
            "{stats:?}"
        );
    }
}

/// How many seeds the broken core gets to show its bug.
const BROKEN_SEEDS: u64 = 2000;

#[test]
fn acceptors_that_accept_below_their_promise_are_caught_breaking_agreement() {
    let started = Instant::now();
    let caught: Option<Violation> = (0..BROKEN_SEEDS).find_map(|seed| {
        sim::run_with::<Paxos>(config(seed), accept_below_promise)
            .err()
            .filter(|v| v.invariant == Invariant::Agreement)
    });
    let Some(v) = caught else {
        panic!("no seed in 0..{BROKEN_SEEDS} caught AcceptBelowPromise breaking agreement");
    };
    println!("caught in {:.2?}:\n{v}", started.elapsed());
    let again = sim::run_with::<Paxos>(config(v.seed), accept_below_promise);
    assert_eq!(again.err(), Some(v.clone()));
    assert!(sim::run::<Paxos>(config(v.seed)).is_ok());
}
