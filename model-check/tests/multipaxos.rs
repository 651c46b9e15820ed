//! The production Multi-Paxos core, model-checked: every property holds
//! within the bounds, the bounded state spaces are pinned, and a core with
//! an injected bug is caught.

use std::time::Duration;

use model_check::check::{self, CheckReport, RunOptions, Stop};
use model_check::multipaxos::{self, CAMPAIGNS};
use model_check::properties;
use model_check::trace;
use protocols::multipaxos::{InjectedBug, MultiPaxos};

/// Pinned: a change to the core or the adapter that alters the state space
/// shows here (DFS exhausts the bounded space, so the count is exact).
const MAIN_UNIQUE_STATES: usize = 63_751;
const CRASH_UNIQUE_STATES: usize = 261_068;
const READ_UNIQUE_STATES: usize = 1_745_509;

fn exhaust(
    bounds: model_check::model::Bounds,
    campaigns: multipaxos::Campaigns,
) -> CheckReport<MultiPaxos> {
    let opts = RunOptions {
        timeout: Duration::from_secs(300),
        ..RunOptions::default()
    };
    let report = check::run(multipaxos::model(bounds, campaigns, None), &opts);
    // `is_done()` is true after a timeout too: only a run that ended before
    // its guard and found nothing proves the "always" properties.
    assert!(report.complete, "{}", report.render());
    report
}

#[test]
fn every_property_holds_for_a_write_under_leader_changes() {
    let report = exhaust(multipaxos::main_bounds(), CAMPAIGNS);
    for o in &report.outcomes {
        assert!(o.holds, "{} does not hold:\n{}", o.name, report.render());
    }
    // The terminal-state property is not vacuous: terminal states exist.
    assert!(
        report
            .outcome(properties::QUIESCENT)
            .is_some_and(|o| o.holds)
    );
    assert_eq!(
        report.unique_states,
        MAIN_UNIQUE_STATES,
        "{}",
        report.render()
    );
}

#[test]
fn a_read_concurrent_with_a_write_is_linearizable() {
    let report = exhaust(multipaxos::read_bounds(), multipaxos::READ_CAMPAIGNS);
    for o in &report.outcomes {
        assert!(o.holds, "{} does not hold:\n{}", o.name, report.render());
    }
    assert_eq!(
        report.unique_states,
        READ_UNIQUE_STATES,
        "{}",
        report.render()
    );
}

#[test]
fn agreement_and_durability_survive_a_crash_restart() {
    let report = exhaust(multipaxos::crash_bounds(), CAMPAIGNS);
    for name in [
        properties::AGREEMENT,
        properties::DURABILITY,
        properties::HOST_CONTRACT,
        properties::LINEARIZABLE,
        properties::VALUE_CHOSEN,
    ] {
        let o = report.outcome(name).expect("property");
        assert!(o.holds, "{name} does not hold:\n{}", report.render());
    }
    assert_eq!(
        report.unique_states,
        CRASH_UNIQUE_STATES,
        "{}",
        report.render()
    );
}

#[test]
fn acceptors_that_skip_the_promise_check_break_agreement() {
    let model = multipaxos::model(
        multipaxos::duel_bounds(),
        CAMPAIGNS,
        Some(InjectedBug::AcceptBelowPromise),
    );
    let opts = RunOptions {
        timeout: Duration::from_secs(120),
        stop: Stop::AnyOf(vec![properties::AGREEMENT, properties::LINEARIZABLE]),
        breadth_first: true,
        ..RunOptions::default()
    };
    let report = check::run(model, &opts);
    let broken: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| [properties::AGREEMENT, properties::LINEARIZABLE].contains(&o.name) && !o.holds)
        .collect();
    assert!(!broken.is_empty(), "{}", report.render());
    for o in broken {
        let path = o.path.as_ref().expect("a counterexample");
        assert!(trace::replays(&report.model, path), "{}", report.render());
        let steps = trace::action_lines(&report.model, path);
        // Two leaders, both elected: each sent a Prepare and got an Accepted.
        assert!(
            steps.iter().any(|s| s.contains("n1 -> n3: Prepare")),
            "{steps:#?}"
        );
        assert!(
            steps.iter().any(|s| s.contains("n2 -> n3: Prepare")),
            "{steps:#?}"
        );
        assert!(
            steps.iter().filter(|s| s.contains(": Accepted")).count() >= 2,
            "{steps:#?}"
        );
    }
}

#[test]
fn the_correct_core_keeps_agreement_where_the_broken_one_fails() {
    // The duel model is too large to exhaust here; every state up to 14
    // steps deep (the broken core's counterexample takes 12) must be clean.
    let model = multipaxos::model(multipaxos::duel_bounds(), CAMPAIGNS, None);
    let opts = RunOptions {
        timeout: Duration::from_secs(120),
        breadth_first: true,
        max_depth: Some(15),
        ..RunOptions::default()
    };
    let report = check::run(model, &opts);
    assert!(report.elapsed < opts.timeout, "{}", report.render());
    for name in [
        properties::AGREEMENT,
        properties::LINEARIZABLE,
        properties::DURABILITY,
    ] {
        let o = report.outcome(name).expect("property");
        assert!(o.path.is_none(), "{name}:\n{}", report.render());
    }
    assert!(report.max_depth >= 14, "{}", report.render());
}
