//! What must survive the faults, checked on the healed cluster: every
//! acknowledged write, every acknowledged sequential create (each name
//! handed out once), and ephemerals exactly while their sessions live.

use std::collections::{BTreeMap, BTreeSet};

use super::Anomaly;
use crate::nemesis::history::{Kind, Op, Outcome};

/// The healed cluster, read after a sync once the faults stopped.
#[derive(Clone, Debug, Default)]
pub struct FinalState {
    /// Each register's (data, dataVersion).
    pub registers: Vec<(String, i32)>,
    /// Full paths of the sequential nodes.
    pub sequential: BTreeSet<String>,
    /// Ephemeral path → owning session, while the workers' sessions were
    /// still open.
    pub ephemerals: BTreeMap<String, i64>,
    /// Sessions that had ended (closed or expired) by then.
    pub ended: BTreeSet<i64>,
    /// Sessions whose close was unacknowledged: they may or may not be
    /// gone.
    pub unsure: BTreeSet<i64>,
    /// Ephemerals still there after every open session was closed (and
    /// each close acknowledged).
    pub after_close: BTreeMap<String, i64>,
}

/// No acknowledged write is older than the register's final version.
pub fn lost_writes(ops: &[Op], fin: &FinalState) -> Vec<Anomaly> {
    let mut anomalies = Vec::new();
    for (key, (_, final_version)) in fin.registers.iter().enumerate() {
        let newest = ops
            .iter()
            .filter(|op| op.kind.key() == Some(key))
            .filter(|op| matches!(op.kind, Kind::Write { .. } | Kind::Cas { .. }))
            .filter_map(|op| match op.outcome {
                Some(Outcome::Written { version }) => Some((version, op.index)),
                _ => None,
            })
            .max();
        if let Some((version, index)) = newest
            && version > *final_version
        {
            anomalies.push(Anomaly {
                check: "lost write",
                message: format!(
                    "key {key}: version {version} was acknowledged, the healed cluster has version {final_version}"
                ),
                ops: vec![index],
            });
        }
    }
    anomalies
}

/// Sequential names are unique and every acknowledged one survives.
pub fn sequential(ops: &[Op], fin: &FinalState) -> Vec<Anomaly> {
    let mut anomalies = Vec::new();
    let mut given: BTreeMap<&str, usize> = BTreeMap::new();
    for op in ops.iter().filter(|op| op.kind == Kind::CreateSequential) {
        let Some(Outcome::Created { path }) = &op.outcome else {
            continue;
        };
        if let Some(&first) = given.get(path.as_str()) {
            anomalies.push(Anomaly {
                check: "sequential",
                message: format!("{path} was handed out twice"),
                ops: vec![first, op.index],
            });
        } else {
            given.insert(path, op.index);
        }
        if !fin.sequential.contains(path) {
            anomalies.push(Anomaly {
                check: "lost write",
                message: format!("acknowledged sequential node {path} is missing after heal"),
                ops: vec![op.index],
            });
        }
    }
    anomalies
}

/// Ephemerals exist exactly while their sessions do.
pub fn ephemerals(ops: &[Op], fin: &FinalState) -> Vec<Anomaly> {
    let mut anomalies = Vec::new();
    let mut flag = |message: String, ops: Vec<usize>| {
        anomalies.push(Anomaly {
            check: "ephemeral",
            message,
            ops,
        });
    };
    for op in ops {
        let Kind::CreateEphemeral { path } = &op.kind else {
            continue;
        };
        let s = op.session;
        let acked = op.outcome.as_ref().is_some_and(Outcome::is_ok);
        let owner = fin.ephemerals.get(path);
        if fin.unsure.contains(&s) {
            continue;
        }
        match owner {
            Some(&o) if o != s => flag(
                format!("{path} is owned by {o:x}, created by {s:x}"),
                vec![op.index],
            ),
            Some(_) if fin.ended.contains(&s) => {
                flag(format!("{path} outlived its session {s:x}"), vec![op.index]);
            }
            None if acked && !fin.ended.contains(&s) => {
                flag(
                    format!("acknowledged {path} vanished while its session {s:x} lives"),
                    vec![op.index],
                );
            }
            _ => {}
        }
        if let Some(&o) = fin.after_close.get(path)
            && !fin.unsure.contains(&o)
        {
            flag(
                format!("{path} is still there after its session {o:x} was closed"),
                vec![op.index],
            );
        }
    }
    anomalies
}
