//! The checkers run over a finished history: linearizability per register
//! ([`linear`]), session order of plain reads ([`session`]), and what must
//! survive the faults ([`durability`]).

pub mod durability;
pub mod linear;
pub mod session;

use std::fmt;

use super::history::Op;
use durability::FinalState;
use linear::Verdict;

/// One violation and the operations (history indices) that show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anomaly {
    pub check: &'static str,
    pub message: String,
    pub ops: Vec<usize>,
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.check, self.message)
    }
}

/// Every checker's findings.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    pub anomalies: Vec<Anomaly>,
    /// Registers whose linearizability search ran out of budget.
    pub unknown: Vec<usize>,
}

/// Runs every checker; `initial` is each register's data before the run.
pub fn check_all(ops: &[Op], initial: &str, fin: &FinalState) -> Findings {
    let mut findings = Findings::default();
    for key in 0..fin.registers.len() {
        match linear::check_key(ops, key, initial) {
            Verdict::Linearizable => {}
            Verdict::Unknown => findings.unknown.push(key),
            Verdict::Violation { culprit, context } => findings.anomalies.push(Anomaly {
                check: "linearizability",
                message: format!(
                    "key {key}: no linearization once #{culprit} is added (writes, compare-and-sets and synced reads)"
                ),
                ops: context,
            }),
        }
    }
    findings.anomalies.extend(session::check(ops));
    findings.anomalies.extend(durability::lost_writes(ops, fin));
    findings.anomalies.extend(durability::sequential(ops, fin));
    findings.anomalies.extend(durability::ephemerals(ops, fin));
    findings
}

/// An anomaly with its operations written out, one a line.
pub fn explain(anomaly: &Anomaly, ops: &[Op]) -> String {
    let mut out = format!("{anomaly}\n");
    for &i in &anomaly.ops {
        if let Some(op) = ops.get(i) {
            out.push_str(&format!("    {op}\n"));
        }
    }
    out
}
