//! The production Zab core, model-checked — partially: the main model is
//! not yet small enough to exhaust (over 2 million states in a minute), so
//! this searches it depth-first for a bounded time and asserts that no
//! property has a counterexample in that prefix and that a value gets
//! chosen. Pinned state counts wait for a smaller model (see zab.rs).

use std::time::Duration;

use model_check::check::{self, RunOptions};
use model_check::properties;
use model_check::zab;

#[test]
fn no_counterexample_in_a_bounded_search_and_a_value_is_chosen() {
    let opts = RunOptions {
        timeout: Duration::from_secs(15),
        ..RunOptions::default()
    };
    let report = check::run(zab::model(zab::main_bounds(), None), &opts);
    for name in [
        properties::AGREEMENT,
        properties::LINEARIZABLE,
        properties::DURABILITY,
        properties::HOST_CONTRACT,
    ] {
        let o = report.outcome(name).expect("property");
        assert!(o.path.is_none(), "{name}:\n{}", report.render());
    }
    assert!(
        report
            .outcome(properties::VALUE_CHOSEN)
            .is_some_and(|o| o.holds),
        "{}",
        report.render()
    );
}
