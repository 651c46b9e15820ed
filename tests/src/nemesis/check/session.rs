//! ZooKeeper's guarantees for plain (unsynced) reads: within a session,
//! FIFO client order (a read sees the session's own acknowledged writes)
//! and monotonic reads (never an older version than the session saw),
//! across failovers of the session between servers.

use std::collections::BTreeMap;

use super::Anomaly;
use crate::nemesis::history::{Kind, Op, Outcome};

/// One anomaly per read that went back in time.
pub fn check(ops: &[Op]) -> Vec<Anomaly> {
    let mut by_session: BTreeMap<i64, Vec<&Op>> = BTreeMap::new();
    for op in ops {
        by_session.entry(op.session).or_default().push(op);
    }
    let mut anomalies = Vec::new();
    for (session, mut list) in by_session {
        list.sort_by_key(|op| op.invoke_us);
        // Per key: the newest version this session knows of, and the op
        // that taught it.
        let mut floor: BTreeMap<usize, (i32, usize)> = BTreeMap::new();
        for op in list {
            let Some(key) = op.kind.key() else { continue };
            let seen = match op.outcome.as_ref() {
                Some(Outcome::Read { version, .. } | Outcome::Written { version }) => *version,
                _ => continue,
            };
            if let (Kind::Read { .. }, Some(&(known, from))) = (&op.kind, floor.get(&key))
                && seen < known
            {
                anomalies.push(Anomaly {
                    check: "session order",
                    message: format!(
                        "session {session:x} read version {seen} of key {key} after it had seen version {known}"
                    ),
                    ops: vec![from, op.index],
                });
            }
            let entry = floor.entry(key).or_insert((seen, op.index));
            if seen > entry.0 {
                *entry = (seen, op.index);
            }
        }
    }
    anomalies
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(index: usize, kind: Kind, t: u64, outcome: Outcome) -> Op {
        Op {
            index,
            worker: 0,
            session: 7,
            kind,
            invoke_us: t,
            complete_us: Some(t + 1),
            outcome: Some(outcome),
        }
    }

    #[test]
    fn a_plain_read_older_than_the_sessions_own_write_is_reported() {
        let w = Kind::Write {
            key: 1,
            value: "a".into(),
        };
        let r = Kind::Read {
            key: 1,
            synced: false,
        };
        let read = |version| Outcome::Read {
            value: "x".into(),
            version,
        };
        let h = vec![
            op(0, w, 0, Outcome::Written { version: 3 }),
            op(1, r.clone(), 10, read(3)),
            op(2, r, 20, read(2)),
        ];
        let found = check(&h);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].ops, vec![0, 2]);
    }
}
