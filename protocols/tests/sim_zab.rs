//! Zab in the seeded simulator (see `protocols::sim` for what a run
//! does and checks).
//!
//! ```text
//! cargo test -p protocols --test sim_zab                          # 2,000 seeds
//! ZOOLAB_SIM_SEEDS=100000 cargo test -p protocols --test sim_zab  # a longer sweep
//! ZOOLAB_SIM_SEED=1234 cargo test -p protocols --test sim_zab     # replay one seed
//! ZOOLAB_SIM_SEED=1234 ZOOLAB_SIM_LOG=100000 cargo test -p protocols --test sim_zab -- --nocapture
//!                                         # replay it showing (up to) that many last events
//! ```
//!
//! Every step is also held to the invariants of ZooKeeper's `Zab.tla`
//! (`protocols::zab::invariants`), through a wrapper core that shows every
//! action to a checker.
//!
//! Every seed derives its whole run ([`SimConfig::randomized`]): 3 or 5
//! nodes and its fault rates. The 3-node and 5-node seeds of the sweep run
//! as two tests so that they use both cores.

use std::time::Instant;

use std::cell::RefCell;

use protocols::sim::{self, Invariant, SimConfig, Sweep, Violation};
use protocols::zab::invariants::{ZabBreach, ZabChecker};
use protocols::zab::{InjectedBug, Msg, Record, Timer, Zab, ZabDurable};
use protocols::{
    Action, ClusterConfig, Command, Core, NodeId, OutboxOf, Recovered, Role, Status, Zxid,
};

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

/// Runs every seed of `nodes` servers with the simulator's invariants and
/// Zab.tla's (see `Checked` below), stopping at the first breach.
fn sweep(nodes: u64) -> Sweep {
    let started = Instant::now();
    let mut sweep = Sweep::default();
    for seed in seeds() {
        let config = config(seed);
        if config.nodes != nodes {
            continue;
        }
        let stats = run_checked(config, <Checked as Core>::new).unwrap_or_else(|e| panic!("{e}"));
        sweep.stats.add(&stats);
        sweep.runs += 1;
    }
    println!(
        "{} seeds of {nodes} nodes in {:.2?}: {:?}",
        sweep.runs,
        started.elapsed(),
        sweep.stats
    );
    sweep
}

#[test]
fn three_nodes_keep_zab_tla_invariants_agreement_durability_and_progress_under_faults() {
    sweep(3).assert_faults_happened(DEFAULT_SEEDS);
}

#[test]
fn five_nodes_keep_zab_tla_invariants_agreement_durability_and_progress_under_faults() {
    sweep(5).assert_faults_happened(DEFAULT_SEEDS);
}

#[test]
fn a_seed_replays_exactly() {
    for seed in [1, 2] {
        let a = sim::run::<Zab>(SimConfig::randomized(seed));
        assert_eq!(a, sim::run::<Zab>(SimConfig::randomized(seed)));
    }
}

#[test]
fn without_faults_every_command_commits_everywhere_and_the_cluster_settles_fast() {
    for (seed, nodes) in [(1, 3), (2, 5)] {
        let stats = sim::run::<Zab>(SimConfig::new(seed, nodes).without_faults())
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
        let stats = sim::run::<Zab>(SimConfig::new(seed, nodes).without_faults())
            .unwrap_or_else(|v| panic!("{v}"));
        assert_eq!(stats.ordered_twice, 0, "seed {seed}: {stats:?}");
    }
}

fn commit_without_quorum(
    id: NodeId,
    config: ClusterConfig,
    recovered: Recovered<ZabDurable>,
    out: &mut OutboxOf<Zab>,
) -> Zab {
    Zab::new_with_bug(
        id,
        config,
        recovered,
        Some(InjectedBug::CommitWithoutQuorum),
        out,
    )
}

/// How many seeds the broken core gets to show its bug. A leader that
/// commits what only it logged delivers proposals a later epoch never
/// had: its sequence stops being a prefix of the others' (Zab's total
/// order), which the simulator names CommitOrder, or Agreement when the
/// zxid itself is reused.
const BROKEN_SEEDS: u64 = 2000;

#[test]
fn a_leader_that_commits_without_a_quorum_of_acks_is_caught_breaking_commit_order() {
    let started = Instant::now();
    let caught: Option<Violation> = (0..BROKEN_SEEDS).find_map(|seed| {
        sim::run_with::<Zab>(SimConfig::randomized(seed), commit_without_quorum)
            .err()
            .filter(|v| matches!(v.invariant, Invariant::Agreement | Invariant::CommitOrder))
    });
    let Some(v) = caught else {
        panic!(
            "no seed in 0..{BROKEN_SEEDS} caught CommitWithoutQuorum breaking agreement or order"
        );
    };
    println!("caught in {:.2?}:\n{v}", started.elapsed());
    // It replays, and the same schedule is fine without the bug.
    let again = sim::run_with::<Zab>(SimConfig::randomized(v.seed), commit_without_quorum);
    assert_eq!(again.err(), Some(v.clone()));
    assert!(sim::run::<Zab>(SimConfig::randomized(v.seed)).is_ok());
}

// ---- Zab.tla's invariants, checked on every step ----
//
// The simulator checks the contract's invariants; `Checked` wraps each
// server so that every action it emits also goes through a `ZabChecker`
// (one per run, per test thread), which holds the run to PrefixConsistency,
// Integrity, Agreement, TotalOrder, Local/GlobalPrimaryOrder,
// PrimaryIntegrity and PrimaryUniqueness.

thread_local! {
    static CHECKER: RefCell<(ZabChecker, Option<ZabBreach>)> =
        RefCell::new((ZabChecker::new(), None));
}

/// A Zab server whose every action is shown to this thread's checker.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Checked(Zab);

type Out = OutboxOf<Zab>;

impl Checked {
    fn build(
        id: NodeId,
        config: ClusterConfig,
        recovered: Recovered<ZabDurable>,
        bug: Option<InjectedBug>,
        out: &mut Out,
    ) -> Checked {
        let from = out.actions().len();
        let core = Checked(Zab::new_with_bug(id, config, recovered, bug, out));
        let before = core.0.status();
        core.check(before, from, out);
        core
    }

    fn step(&mut self, out: &mut Out, f: impl FnOnce(&mut Zab, &mut Out)) {
        let (before, from) = (self.0.status(), out.actions().len());
        f(&mut self.0, out);
        self.check(before, from, out);
    }

    fn check(&self, before: Status, from: usize, out: &Out) {
        let id = self.0.id();
        let after = self.0.status();
        let primary = after.role == Role::Leader && self.0.is_broadcasting();
        let mut delivered = before.last_committed;
        CHECKER.with(|c| {
            let (checker, found) = &mut *c.borrow_mut();
            for action in &out.actions()[from..] {
                let r = match action {
                    Action::Commit { zxid, command } => {
                        delivered = *zxid;
                        checker.on_deliver(id, *zxid, command)
                    }
                    Action::Persist(Record::Append { zxid, command })
                        if primary && zxid.epoch() == after.epoch =>
                    {
                        checker.on_broadcast(id, after.epoch, *zxid, command, delivered)
                    }
                    _ => Ok(()),
                };
                if let Err(b) = r
                    && found.is_none()
                {
                    *found = Some(b);
                }
            }
        });
    }
}

impl Core for Checked {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ZabDurable;

    const NAME: &'static str = "zab";

    fn new(
        id: NodeId,
        config: ClusterConfig,
        recovered: Recovered<ZabDurable>,
        out: &mut Out,
    ) -> Self {
        Checked::build(id, config, recovered, None, out)
    }

    fn propose(&mut self, command: Command, out: &mut Out) {
        self.step(out, |c, o| c.propose(command, o));
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, out: &mut Out) {
        self.step(out, |c, o| c.on_message(from, msg, o));
    }

    fn on_timer(&mut self, timer: Timer, out: &mut Out) {
        self.step(out, |c, o| c.on_timer(timer, o));
    }

    fn compact(&mut self, upto: Zxid, out: &mut Out) {
        self.step(out, |c, o| c.compact(upto, o));
    }

    fn snapshot_installed(&mut self, at: Zxid, out: &mut Out) {
        let id = self.0.id();
        CHECKER.with(|c| c.borrow_mut().0.on_snapshot(id, at));
        self.step(out, |c, o| c.snapshot_installed(at, o));
    }

    fn status(&self) -> Status {
        self.0.status()
    }

    fn id(&self) -> NodeId {
        self.0.id()
    }
}

fn checked_commit_without_quorum(
    id: NodeId,
    config: ClusterConfig,
    recovered: Recovered<ZabDurable>,
    out: &mut Out,
) -> Checked {
    Checked::build(
        id,
        config,
        recovered,
        Some(InjectedBug::CommitWithoutQuorum),
        out,
    )
}

/// Runs `seed` with every server checked; the first breach of a Zab.tla
/// property, if any.
fn run_checked(
    config: SimConfig,
    ctor: sim::Constructor<Checked>,
) -> Result<sim::RunStats, String> {
    CHECKER.with(|c| *c.borrow_mut() = (ZabChecker::new(), None));
    let seed = config.seed;
    let result = sim::run_with::<Checked>(config, ctor);
    let breach = CHECKER.with(|c| c.borrow_mut().1.take());
    match (result, breach) {
        (_, Some(b)) => Err(format!(
            "seed {seed} broke Zab.tla's {b}\nreplay: ZOOLAB_SIM_SEED={seed} cargo test -p protocols --test sim_zab"
        )),
        (Err(v), None) => Err(v.to_string()),
        (Ok(stats), None) => Ok(stats),
    }
}

#[test]
fn zab_tla_invariants_catch_a_leader_that_commits_without_a_quorum() {
    let caught = (0..BROKEN_SEEDS).find_map(|seed| {
        run_checked(SimConfig::randomized(seed), checked_commit_without_quorum)
            .err()
            .filter(|e| e.contains("Zab.tla"))
    });
    let Some(e) = caught else {
        panic!("no seed in 0..{BROKEN_SEEDS} caught CommitWithoutQuorum by Zab.tla's invariants");
    };
    println!("{e}");
}
