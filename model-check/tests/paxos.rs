//! The production basic-Paxos core, model-checked: one write exhausted
//! with every property (every terminal state decided included), two
//! clients racing as proposers checked to a depth, a crash-restart run,
//! and a core with an injected bug caught.

use std::process::Command;
use std::time::Duration;

use model_check::check::{self, CheckReport, RunOptions, Stop};
use model_check::model::Bounds;
use model_check::properties;
use model_check::register::RegOp;
use model_check::{paxos, trace};
use protocols::paxos::{InjectedBug, Paxos};

/// Pinned: DFS exhausts these bounded spaces, so the counts are exact.
const ONE_WRITE_STATES: usize = 285;
const CRASH_STATES: usize = 5_412;

const SAFETY: [&str; 4] = [
    properties::LINEARIZABLE,
    properties::AGREEMENT,
    properties::DURABILITY,
    properties::HOST_CONTRACT,
];

fn one_write() -> Bounds {
    Bounds {
        clients: vec![vec![RegOp::Put('A')]],
        ..paxos::main_bounds()
    }
}

fn exhaust(bounds: Bounds) -> CheckReport<Paxos> {
    let report = check::run(paxos::model(bounds, None), &RunOptions::default());
    assert!(report.complete, "{}", report.render());
    report
}

#[test]
fn one_write_holds_every_property_and_every_terminal_state_decided() {
    let report = exhaust(one_write());
    for o in &report.outcomes {
        assert!(o.holds, "{} does not hold:\n{}", o.name, report.render());
    }
    // Terminal states exist, so "every terminal state decided" is not
    // vacuous.
    assert!(
        report
            .outcome(properties::QUIESCENT)
            .is_some_and(|o| o.holds)
    );
    assert_eq!(
        report.unique_states,
        ONE_WRITE_STATES,
        "{}",
        report.render()
    );
}

#[test]
fn two_racing_proposers_keep_safety_to_depth_13() {
    // A write at n1 and a read at n2, retries up to round 2: millions of
    // states (not exhausted in 15 minutes), so every state fewer than 13
    // steps deep is checked.
    let opts = RunOptions {
        timeout: Duration::from_secs(120),
        breadth_first: true,
        max_depth: Some(13),
        ..RunOptions::default()
    };
    let report = check::run(paxos::model(paxos::main_bounds(), None), &opts);
    assert!(report.elapsed < opts.timeout, "{}", report.render());
    for name in SAFETY.into_iter().chain([properties::TERMINAL_DECIDED]) {
        let o = report.outcome(name).expect("property");
        assert!(o.path.is_none(), "{name}:\n{}", report.render());
    }
    // Both proposers got a value chosen within the depth.
    assert!(
        report
            .outcome(properties::VALUE_CHOSEN)
            .is_some_and(|o| o.holds)
    );
    assert!(report.max_depth >= 12, "{}", report.render());
}

#[test]
fn agreement_and_durability_survive_a_crash_restart() {
    let report = exhaust(paxos::crash_bounds());
    for name in SAFETY.into_iter().chain([properties::VALUE_CHOSEN]) {
        let o = report.outcome(name).expect("property");
        assert!(o.holds, "{name} does not hold:\n{}", report.render());
    }
    assert_eq!(report.unique_states, CRASH_STATES, "{}", report.render());
}

#[test]
fn acceptors_that_break_their_promises_break_agreement() {
    let opts = RunOptions {
        stop: Stop::AnyOf(vec![properties::AGREEMENT]),
        breadth_first: true,
        ..RunOptions::default()
    };
    let model = paxos::model(paxos::main_bounds(), Some(InjectedBug::AcceptBelowPromise));
    let report = check::run(model, &opts);
    let o = report.outcome(properties::AGREEMENT).expect("property");
    let path = o.path.as_ref().expect("a counterexample");
    assert!(!o.holds);
    assert!(trace::replays(&report.model, path), "{}", report.render());
    let steps = trace::action_lines(&report.model, path);
    assert!(steps.iter().any(|s| s.contains(": Accepted")), "{steps:#?}");
}

fn zoolab_check(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zoolab-check"))
        .args(args)
        .output()
        .expect("run zoolab-check");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn the_cli_checks_paxos() {
    for args in [
        &["--protocol", "paxos", "check", "--client", "put:A"][..],
        &["--protocol", "paxos", "check", "--crashes"][..],
    ] {
        let (ok, out) = zoolab_check(args);
        assert!(ok, "{args:?}:\n{out}");
        assert!(out.contains("all properties hold"), "{out}");
    }
    // A depth-bounded run: every `always` holds; no terminal state lies
    // within the depth, so the run does not claim everything holds.
    let (_, out) = zoolab_check(&["--protocol", "paxos", "check", "--max-depth", "11"]);
    assert!(out.contains("always \"agreement\": holds"), "{out}");
    assert!(
        !out.lines()
            .any(|l| l.starts_with("always") && l.contains("VIOLATED")),
        "{out}"
    );
    let (ok, out) = zoolab_check(&[
        "--protocol",
        "paxos",
        "check",
        "--inject-bug",
        "accept-below-promise",
    ]);
    assert!(!ok, "{out}");
    assert!(out.contains("VIOLATED"), "{out}");
    let (ok, out) = zoolab_check(&["--protocol", "paxos", "explore", "--addr", "0.0.0.0:3000"]);
    assert!(!ok && out.contains("loopback"), "{out}");
}
