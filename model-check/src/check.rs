//! Running a model to completion and summarising what it found.

use std::time::{Duration, Instant};

use protocols::Core;
use stateright::HasDiscoveries;
use stateright::{Checker, Expectation, Model};

use crate::model::CoreModel;
use crate::trace::{self, CorePath};

/// How to run the checker.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub threads: usize,
    /// A guard, not a bound: a run that hits it is reported incomplete.
    pub timeout: Duration,
    /// Stop at the first counterexample instead of exploring everything.
    pub stop_at_first_failure: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            // stateright 0.31 ignores `timeout` with one thread (bug 2).
            threads: 2,
            timeout: Duration::from_secs(120),
            stop_at_first_failure: false,
        }
    }
}

/// One property's verdict, with its counterexample or example.
pub struct Outcome<C: Core> {
    pub name: &'static str,
    pub expectation: Expectation,
    pub holds: bool,
    pub path: Option<CorePath<C>>,
}

pub struct CheckReport<C: Core> {
    pub model: CoreModel<C>,
    pub outcomes: Vec<Outcome<C>>,
    pub unique_states: usize,
    pub states: usize,
    pub max_depth: usize,
    pub elapsed: Duration,
    /// False when the guard timeout stopped the search: `is_done()` is true
    /// then too (bug 3), so an "always" without a discovery proves nothing.
    pub complete: bool,
}

impl<C: Core> CheckReport<C> {
    pub fn all_hold(&self) -> bool {
        self.complete && self.outcomes.iter().all(|o| o.holds)
    }

    pub fn outcome(&self, name: &str) -> Option<&Outcome<C>> {
        self.outcomes.iter().find(|o| o.name == name)
    }

    /// The report as `zoolab-check` prints it.
    pub fn render(&self) -> String {
        let mut text = String::new();
        for o in &self.outcomes {
            let kind = match o.expectation {
                Expectation::Always => "always",
                Expectation::Sometimes => "sometimes",
                Expectation::Eventually => "eventually",
            };
            let verdict = match (o.holds, self.complete) {
                (true, true) => "holds",
                (true, false) => "no counterexample before the timeout",
                (false, _) => "VIOLATED",
            };
            text.push_str(&format!("{kind} \"{}\": {verdict}\n", o.name));
            if let Some(path) = &o.path {
                let what = if o.holds { "example" } else { "counterexample" };
                let valid = if trace::replays(&self.model, path) {
                    ""
                } else {
                    " (does not replay: stateright path bug)"
                };
                text.push_str(&format!(
                    "  {what}, {} steps{valid}:\n",
                    path.clone().into_actions().len()
                ));
                text.push_str(&trace::render(&self.model, path));
            }
        }
        text.push_str(&format!(
            "states: {} unique, {} generated, max depth {}; {:.2}s{}\n",
            self.unique_states,
            self.states,
            self.max_depth,
            self.elapsed.as_secs_f64(),
            if self.complete {
                ""
            } else {
                " (INCOMPLETE: stopped early)"
            }
        ));
        text
    }
}

/// Explores `model` depth-first (a fingerprint set and a stack: megabytes,
/// where BFS takes gigabytes) and collects every property's verdict.
pub fn run<C: Core>(model: CoreModel<C>, opts: &RunOptions) -> CheckReport<C> {
    let properties = model.properties();
    let started = Instant::now();
    let finish = if opts.stop_at_first_failure {
        HasDiscoveries::AnyFailures
    } else {
        HasDiscoveries::All
    };
    let checker = model
        .checker()
        .threads(opts.threads.max(2))
        .timeout(opts.timeout)
        .finish_when(finish)
        .spawn_dfs()
        .join();
    let elapsed = started.elapsed();
    let outcomes: Vec<Outcome<C>> = properties
        .iter()
        .map(|p| {
            let path = checker.discovery(p.name);
            let holds = match p.expectation {
                Expectation::Sometimes => path.is_some(),
                Expectation::Always | Expectation::Eventually => path.is_none(),
            };
            Outcome {
                name: p.name,
                expectation: p.expectation.clone(),
                holds,
                path,
            }
        })
        .collect();
    let failed = outcomes.iter().any(|o| !o.holds && o.path.is_some());
    // The timeout is the only way the search ends early without a failure.
    let complete = elapsed < opts.timeout || (opts.stop_at_first_failure && failed);
    CheckReport {
        unique_states: checker.unique_state_count(),
        states: checker.state_count(),
        max_depth: checker.max_depth(),
        model: checker.model().clone(),
        outcomes,
        elapsed,
        complete,
    }
}
