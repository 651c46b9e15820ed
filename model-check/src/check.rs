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
    /// When to stop before the state space is exhausted.
    pub stop: Stop,
    /// Breadth-first finds short counterexamples in a state space too
    /// large to exhaust (at gigabytes of memory); depth-first exhausts a
    /// bounded one in megabytes.
    pub breadth_first: bool,
    /// Skip states at this depth or deeper (the initial state is depth 1):
    /// exhausts a prefix of a state space too large to exhaust whole.
    pub max_depth: Option<usize>,
}

/// When a run may stop early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Explore everything (or until every property has a discovery).
    Never,
    /// At the first counterexample of any property.
    AnyFailure,
    /// At the first discovery for one of these properties.
    AnyOf(Vec<&'static str>),
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            // stateright 0.31 ignores `timeout` with one thread (bug 2).
            threads: 2,
            timeout: Duration::from_secs(120),
            stop: Stop::Never,
            breadth_first: false,
            max_depth: None,
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
    /// False when the search stopped before exhausting the state space (the
    /// guard timeout, or the `Stop` rule): `is_done()` is true then too
    /// (bug 3), so an "always" without a discovery proves nothing.
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
            // An example or a counterexample is conclusive; the absence of
            // one is only conclusive if the search completed.
            let verdict = match (&o.expectation, o.holds, self.complete) {
                (Expectation::Sometimes, true, _) | (_, true, true) => "holds",
                (Expectation::Sometimes, false, false) => "no example (search stopped early)",
                (_, true, false) => "no counterexample (search stopped early)",
                (_, false, _) => "VIOLATED",
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
                " (INCOMPLETE: stopped before exhausting the state space)"
            }
        ));
        text
    }
}

/// Explores `model` (depth-first unless asked otherwise) and collects every
/// property's verdict.
pub fn run<C: Core>(model: CoreModel<C>, opts: &RunOptions) -> CheckReport<C> {
    let properties = model.properties();
    let started = Instant::now();
    let finish = match &opts.stop {
        Stop::Never => HasDiscoveries::All,
        Stop::AnyFailure => HasDiscoveries::AnyFailures,
        Stop::AnyOf(names) => HasDiscoveries::AnyOf(names.iter().copied().collect()),
    };
    let builder = model
        .checker()
        .threads(opts.threads.max(2))
        .timeout(opts.timeout)
        .finish_when(finish);
    let builder = match opts.max_depth {
        Some(depth) => builder.target_max_depth(depth),
        None => builder,
    };
    let checker = if opts.breadth_first {
        Box::new(builder.spawn_bfs().join()) as Box<dyn Checker<CoreModel<C>>>
    } else {
        Box::new(builder.spawn_dfs().join())
    };
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
    // A run stopped by its `Stop` rule found what it looked for; otherwise
    // the timeout is the only way the search ends early.
    let stopped = match &opts.stop {
        Stop::Never => false,
        Stop::AnyFailure => outcomes.iter().any(|o| !o.holds && o.path.is_some()),
        Stop::AnyOf(names) => outcomes
            .iter()
            .any(|o| names.contains(&o.name) && o.path.is_some()),
    };
    let complete = elapsed < opts.timeout && !stopped;
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
