//! The seeded deterministic simulator: any [`Core`] run as a
//! cluster of N nodes (ids 1..=N) over a network that delays, reorders,
//! drops, duplicates and partitions, with crash-restarts, log compaction
//! and snapshot catch-up, and clients that retry — every choice drawn from
//! one seed, so a failing run replays exactly. No threads, no clock, no OS
//! randomness: time is a tick counter and randomness is [`crate::rng`].
//!
//! # A run
//!
//! 1. **Fault phase** ([`SimConfig::fault_ticks`]): clients propose unique
//!    commands at random live nodes; messages are dropped, duplicated and
//!    delayed (so reordered); links are cut and nodes isolated and healed;
//!    a few messages are slow (arriving long after election timeouts); a
//!    minority of nodes at a time crash — between two inputs, or part-way
//!    through performing one input's batch of actions — and restart later;
//!    live nodes pause (handle nothing for a while, then all at once).
//!    Now and then a live node snapshots its state machine and calls
//!    `compact(last applied)`.
//! 2. **Settle phase**: the network is healed and made reliable (it still
//!    reorders), every crashed node restarts, no new command is proposed.
//!    Within [`SimConfig::settle_ticks`] every command proposed (and not
//!    given up after [`ClientLoad::max_attempts`] rejections) must be
//!    committed at every node, and all nodes must hold the same sequence.
//!
//! Every input fed to a core is one step; the invariants (one file each
//! under `invariants/`, citing where each is stated) are checked as each
//! action of a step is performed: validity (only proposed commands are
//! committed), agreement (one command per zxid), commit order (strictly
//! increasing, each node's state machine a prefix of the longest),
//! durability (no reported commit is ever lost or contradicted, across
//! crashes) and, at the end, progress.
//!
//! # What the simulated host does
//!
//! - Actions are performed in outbox order: a `Persist` is folded into the
//!   node's durable state ([`Durable::apply`](crate::Durable::apply)) before
//!   the next action, which keeps the ordering contract (persist before
//!   send, persist before acknowledging a commit).
//! - The state machine is the committed sequence itself, and lives in
//!   memory: a crash keeps only its last snapshot, and the node restarts
//!   with `Recovered { durable, applied: <snapshot's last zxid> }` (see
//!   `node.rs` for why). With [`SimConfig::durable_state_machine`] (one
//!   randomized seed in four) it survives whole instead, and `applied` is
//!   its last commit: both restart paths get exercised.
//! - `SendSnapshot { to }` sends the sender's whole state machine over the
//!   same faulty network as messages; the receiver replaces its state
//!   machine with it and calls `snapshot_installed(at)` — unless it already
//!   holds as much (a duplicate or late snapshot is ignored).
//! - `SetTimer { after }` fires `after` ticks later (at least one), re-arming
//!   replaces the earlier setting, `CancelTimer` disarms, a crash disarms all.
//! - A `Rejected` command is retried by its client at another node after a
//!   few ticks, as is a command waiting at a node that crashed.
//!
//! # Running it
//!
//! Each protocol has a test file `protocols/tests/sim_<protocol>.rs`:
//!
//! ```text
//! cargo test -p protocols --test sim_multipaxos                      # the default sweep
//! ZOOLAB_SIM_SEEDS=100000 cargo test -p protocols --test sim_multipaxos  # a longer sweep
//! ZOOLAB_SIM_SEED=1234 cargo test -p protocols --test sim_multipaxos     # replay one seed
//! ZOOLAB_SIM_SEED=1234 ZOOLAB_SIM_LOG=100000 cargo test -p protocols \
//!     --test sim_multipaxos -- --nocapture          # … showing that many last events
//! ```
//!
//! A failing run prints its seed, the invariant, the last events and that
//! replay command ([`Violation`]). [`SimConfig::randomized`] derives the
//! whole configuration (3 or 5 nodes, fault rates) from the seed, so the
//! seed alone replays a run. A test that wants a core broken on purpose
//! passes its own [`Constructor`] to [`run_with`]; the constructor is used
//! at every restart, so the core stays broken. [`sweep`] runs many seeds;
//! [`Sim::run_traced`] also returns the schedule of a run that passed.

mod clients;
mod config;
mod dice;
mod faults;
pub mod invariants;
mod network;
mod node;
mod report;
mod step;
mod world;

pub use clients::{command, command_id};
pub use config::{ClientLoad, SimConfig};
pub use dice::Dice;
pub use faults::{Fault, FaultRates};
pub use network::{Envelope, NetStats, Network, NetworkFaults};
pub use report::{Breach, Invariant, RunStats, Violation};
pub use world::{Constructor, Sim};

use crate::contract::Core;

/// Runs `C` (built with `C::new`) under `config`.
pub fn run<C: Core>(config: SimConfig) -> Result<RunStats, Violation> {
    Sim::<C>::new(config).run()
}

/// Runs `C` built by `ctor` under `config`.
pub fn run_with<C: Core>(config: SimConfig, ctor: Constructor<C>) -> Result<RunStats, Violation> {
    Sim::<C>::with_constructor(config, ctor).run()
}

/// The seeds a sweep test runs: one (`ZOOLAB_SIM_SEED`), the first n
/// (`ZOOLAB_SIM_SEEDS`), or the first `default`.
pub fn seeds_from_env(default: u64) -> Vec<u64> {
    let var = |name| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    if let Some(seed) = var("ZOOLAB_SIM_SEED") {
        return vec![seed];
    }
    (0..var("ZOOLAB_SIM_SEEDS").unwrap_or(default)).collect()
}

/// The randomized run of `seed`, showing `ZOOLAB_SIM_LOG` last events if
/// it breaks an invariant.
pub fn config_from_env(seed: u64) -> SimConfig {
    let mut config = SimConfig::randomized(seed);
    if let Some(n) = std::env::var("ZOOLAB_SIM_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.log_len = n;
    }
    config
}

/// What a sweep did: how many runs, and their statistics summed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    pub runs: u64,
    pub stats: RunStats,
}

impl Sweep {
    /// Panics unless a sweep of `default_seeds` exercised every fault kind
    /// (a sweep that never crashed or partitioned proved little). Shorter
    /// sweeps (a replay, a quick run) are not judged.
    pub fn assert_faults_happened(&self, default_seeds: u64) {
        if self.runs < default_seeds / 4 {
            return;
        }
        let total = &self.stats;
        assert!(total.chosen > 10_000, "{total:?}");
        assert!(
            total.crashes > 500 && total.crashes_mid_batch > 100,
            "{total:?}"
        );
        assert!(total.partitions > 500 && total.pauses > 200, "{total:?}");
        assert!(
            total.net.dropped > 1000 && total.net.duplicated > 1000,
            "{total:?}"
        );
        assert!(
            total.compactions > 1000 && total.snapshots_installed > 50,
            "{total:?}"
        );
    }
}

/// Runs `C` built by `ctor` under `config(seed)` for every seed whose
/// configuration `keep` accepts, stopping at the first violation.
pub fn sweep<C: Core>(
    seeds: impl IntoIterator<Item = u64>,
    config: impl Fn(u64) -> SimConfig,
    keep: impl Fn(&SimConfig) -> bool,
    ctor: Constructor<C>,
) -> Result<Sweep, Violation> {
    let mut sweep = Sweep::default();
    for seed in seeds {
        let config = config(seed);
        if keep(&config) {
            sweep.stats.add(&run_with(config, ctor)?);
            sweep.runs += 1;
        }
    }
    Ok(sweep)
}
