//! Dueling proposers: found for basic Paxos without backoff, absent for
//! Multi-Paxos with a stable leader and for Zab, within the same bounds
//! (`livelock::duel_bounds`). Each search exhausts its bounded space, so
//! the state counts are exact and pinned.

use std::process::Command;

use model_check::livelock::{self, Duelist, LivelockReport, SearchOptions};
use model_check::livelock_trace;
use model_check::{livelock_views, paxos};

const PAXOS_STATES: usize = 82;
const MULTIPAXOS_STATES: usize = 1_648;
const ZAB_STATES: usize = 7_366;

fn exhaust<C: Duelist>(model: livelock::DuelModel<C>) -> LivelockReport<C> {
    let opts = SearchOptions {
        stop_at_duel: false,
        ..SearchOptions::default()
    };
    let report = livelock::search(model, &opts);
    assert!(report.conclusive, "{}", report.render());
    report
}

#[test]
fn basic_paxos_without_backoff_duels() {
    let report = exhaust(paxos::livelock_model(livelock::duel_bounds()));
    let path = report.path.as_ref().expect("a duel");
    assert!(
        livelock::replays(&report.model, path),
        "{}",
        report.render()
    );
    let last = path.last_state();
    let duelists: Vec<_> = livelock::servers(&report.model.cfg, last)
        .filter(|(_, _, g)| g.dueled())
        .collect();
    assert_eq!(duelists.len(), 2, "{}", report.render());
    assert!(!livelock::chosen(&report.model.cfg, last));
    // The core's own counters agree: two phase-1 wins, and as many
    // refusals, on each duelist.
    for (_, st, g) in &duelists {
        let stats = st.core.stats();
        assert!(stats.promises_won >= g.passes, "{stats:?} {g:?}");
        assert!(stats.preemptions >= g.preempted, "{stats:?} {g:?}");
    }
    let trace = livelock_trace::render(&report.model, path);
    assert!(
        trace.contains("n3 refuses n1's accept in (1, n1)"),
        "{trace}"
    );
    assert!(trace.contains(": Nack {"), "{trace}");
    assert!(trace.contains("pass #2"), "{trace}");
    assert!(trace.contains("pre-emption #2"), "{trace}");
    assert_eq!(report.unique_states, PAXOS_STATES, "{}", report.render());
}

#[test]
fn multipaxos_with_a_stable_leader_never_duels() {
    let report = exhaust(livelock_views::multipaxos_model(livelock::duel_bounds(), 1));
    assert!(!report.found(), "{}", report.render());
    assert!(report.render().contains("no duel within bounds"));
    assert_eq!(
        report.unique_states,
        MULTIPAXOS_STATES,
        "{}",
        report.render()
    );
}

#[test]
fn zab_never_duels() {
    let report = exhaust(livelock_views::zab_model(livelock::duel_bounds()));
    assert!(!report.found(), "{}", report.render());
    assert_eq!(report.unique_states, ZAB_STATES, "{}", report.render());
}

fn zoolab_check(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zoolab-check"))
        .args(args)
        .output()
        .expect("run zoolab-check");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_cli_prints_the_paxos_duel_and_exits_zero() {
    let (ok, out, err) = zoolab_check(&["--protocol", "paxos", "livelock"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("duel found"), "{out}");
    assert!(out.contains("  1. "), "{out}");
    assert!(out.contains("refuses"), "{out}");
    assert!(out.contains("chosen: nothing"), "{out}");
    let (ok, out, err) = zoolab_check(&["--protocol", "paxos", "livelock", "--exhaust"]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!("states: {PAXOS_STATES} unique")),
        "{out}"
    );
}

#[test]
fn the_cli_reports_no_duel_for_multipaxos_and_zab() {
    for (protocol, states) in [("multipaxos", MULTIPAXOS_STATES), ("zab", ZAB_STATES)] {
        let (ok, out, err) = zoolab_check(&["--protocol", protocol, "livelock"]);
        assert!(ok, "{out}{err}");
        assert!(out.contains("no duel within bounds"), "{out}");
        assert!(out.contains(&format!("states: {states} unique")), "{out}");
    }
}
