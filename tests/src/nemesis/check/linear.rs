//! Linearizability of one register (a znode's data and dataVersion):
//! Wing & Gong's search with Lowe's memo of (linearized set, state).
//! Indeterminate operations may take effect at any point after their
//! invocation, or never; definite failures of a compare-and-set are reads
//! that saw another version. Histories here are a few thousand operations
//! per key, and unique written values keep the search nearly linear.

use std::collections::{BTreeMap, HashSet};

use crate::nemesis::history::{Kind, Op, Outcome};

/// How many search states one check may visit before giving up.
pub const STATE_BUDGET: usize = 400_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Reg {
    value: u32,
    version: i32,
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Read {
        value: u32,
        version: i32,
    },
    /// `version`: what the write returned (None when indeterminate).
    Write {
        value: u32,
        version: Option<i32>,
    },
    /// `ok`: Some(true) applied, Some(false) BadVersion, None unknown.
    Cas {
        expect: i32,
        value: u32,
        ok: Option<bool>,
    },
}

#[derive(Clone, Debug)]
struct Entry {
    invoke: u64,
    end: u64,
    step: Step,
    info: bool,
    op: usize,
}

fn apply(step: Step, s: Reg) -> Option<Reg> {
    match step {
        Step::Read { value, version } => (s.value == value && s.version == version).then_some(s),
        Step::Write { value, version } => {
            let next = s.version.checked_add(1)?;
            version.is_none_or(|v| v == next).then_some(Reg {
                value,
                version: next,
            })
        }
        Step::Cas { expect, value, ok } => match ok {
            Some(false) => (s.version != expect).then_some(s),
            Some(true) | None => (s.version == expect).then_some(Reg {
                value,
                version: expect.checked_add(1)?,
            }),
        },
    }
}

/// The verdict on one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Linearizable,
    /// No order exists. `culprit` is the operation (history index) whose
    /// addition first makes the history non-linearizable; `context` the
    /// operations that show it (the culprit, those overlapping it, and the
    /// ones just before it).
    Violation {
        culprit: usize,
        context: Vec<usize>,
    },
    /// The search budget ran out.
    Unknown,
}

/// Checks the register `key`, starting at `initial` with dataVersion 0.
pub fn check_key(ops: &[Op], key: usize, initial: &str) -> Verdict {
    let mut values: BTreeMap<String, u32> = BTreeMap::new();
    let mut intern = |v: &str| {
        let n = u32::try_from(values.len()).unwrap_or(u32::MAX);
        *values.entry(v.to_string()).or_insert(n)
    };
    let init = Reg {
        value: intern(initial),
        version: 0,
    };
    let mut entries: Vec<Entry> = ops
        .iter()
        .filter(|op| op.kind.key() == Some(key))
        .filter_map(|op| {
            let step = match (&op.kind, op.outcome.as_ref()?) {
                (Kind::Read { synced: true, .. }, Outcome::Read { value, version }) => Step::Read {
                    value: intern(value),
                    version: *version,
                },
                (Kind::Write { value, .. }, Outcome::Written { version }) => Step::Write {
                    value: intern(value),
                    version: Some(*version),
                },
                (Kind::Write { value, .. }, Outcome::Info(_)) => Step::Write {
                    value: intern(value),
                    version: None,
                },
                (Kind::Cas { expect, value, .. }, outcome) => Step::Cas {
                    expect: *expect,
                    value: intern(value),
                    ok: match outcome {
                        Outcome::Written { .. } => Some(true),
                        Outcome::Fail(_) => Some(false),
                        Outcome::Info(_) => None,
                        _ => return None,
                    },
                },
                _ => return None,
            };
            Some(Entry {
                invoke: op.invoke_us,
                end: op.end_us(),
                step,
                info: op.is_info(),
                op: op.index,
            })
        })
        .collect();
    entries.sort_by_key(|e| (e.invoke, e.op));
    match search(&entries, init) {
        Search::Ok => Verdict::Linearizable,
        Search::Budget => Verdict::Unknown,
        Search::Fail => shrink(&entries, init),
    }
}

enum Search {
    Ok,
    Fail,
    Budget,
}

struct Frame {
    bits: Vec<u64>,
    state: Reg,
    done: usize,
    cursor: usize,
    /// Candidates are entries before this index (invoked no later than the
    /// earliest end among the entries not yet linearized).
    limit: usize,
}

fn has(bits: &[u64], i: usize) -> bool {
    bits[i / 64] & (1 << (i % 64)) != 0
}

fn frame(entries: &[Entry], bits: Vec<u64>, state: Reg, done: usize) -> Frame {
    let min_end = entries
        .iter()
        .enumerate()
        .filter(|(i, e)| !e.info && !has(&bits, *i))
        .map(|(_, e)| e.end)
        .min()
        .unwrap_or(u64::MAX);
    let limit = entries.partition_point(|e| e.invoke <= min_end);
    Frame {
        bits,
        state,
        done,
        cursor: 0,
        limit,
    }
}

fn search(entries: &[Entry], init: Reg) -> Search {
    let required = entries.iter().filter(|e| !e.info).count();
    let words = entries.len().div_ceil(64).max(1);
    let mut seen: HashSet<(Vec<u64>, Reg)> = HashSet::new();
    let mut stack = vec![frame(entries, vec![0; words], init, 0)];
    while let Some(top) = stack.last_mut() {
        if top.done == required {
            return Search::Ok;
        }
        let next = (top.cursor..top.limit).find(|&i| !has(&top.bits, i));
        let Some(i) = next else {
            stack.pop();
            continue;
        };
        top.cursor = i + 1;
        let e = &entries[i];
        let Some(state) = apply(e.step, top.state) else {
            continue;
        };
        let mut bits = top.bits.clone();
        bits[i / 64] |= 1 << (i % 64);
        let done = top.done + usize::from(!e.info);
        if !seen.insert((bits.clone(), state)) {
            continue;
        }
        if seen.len() > STATE_BUDGET {
            return Search::Budget;
        }
        stack.push(frame(entries, bits, state, done));
    }
    Search::Fail
}

/// The shortest invoke-ordered prefix that is already non-linearizable
/// (adding operations never makes a history linearizable again), and the
/// operations around its last one.
fn shrink(entries: &[Entry], init: Reg) -> Verdict {
    let (mut lo, mut hi) = (0, entries.len());
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        match search(&entries[..mid], init) {
            Search::Fail => hi = mid,
            Search::Ok | Search::Budget => lo = mid,
        }
    }
    let prefix = &entries[..hi];
    let Some(last) = prefix.last() else {
        return Verdict::Unknown;
    };
    let before = prefix.len().saturating_sub(9);
    let mut context: Vec<usize> = prefix
        .iter()
        .enumerate()
        .filter(|(i, e)| *i >= before || (!e.info && e.end >= last.invoke))
        .map(|(_, e)| e.op)
        .collect();
    context.sort_unstable();
    Verdict::Violation {
        culprit: last.op,
        context,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(index: usize, kind: Kind, t: (u64, u64), outcome: Outcome) -> Op {
        Op {
            index,
            worker: index,
            session: 1,
            kind,
            invoke_us: t.0,
            complete_us: Some(t.1),
            outcome: Some(outcome),
        }
    }
    fn write(index: usize, v: &str, t: (u64, u64), version: i32) -> Op {
        let kind = Kind::Write {
            key: 0,
            value: v.into(),
        };
        op(index, kind, t, Outcome::Written { version })
    }
    fn read(index: usize, v: &str, t: (u64, u64), version: i32) -> Op {
        let kind = Kind::Read {
            key: 0,
            synced: true,
        };
        let value = v.into();
        op(index, kind, t, Outcome::Read { value, version })
    }

    #[test]
    fn a_read_of_the_old_value_after_an_acknowledged_write_is_a_violation() {
        let h = vec![
            write(0, "a", (0, 10), 1),
            read(1, "a", (11, 20), 1),
            read(2, "init", (21, 30), 0),
        ];
        match check_key(&h, 0, "init") {
            Verdict::Violation { culprit, context } => {
                assert_eq!(culprit, 2);
                assert!(context.contains(&0) && context.contains(&2), "{context:?}");
            }
            v => panic!("expected a violation, got {v:?}"),
        }
    }

    #[test]
    fn concurrent_writes_may_take_effect_in_either_order() {
        let h = vec![
            write(0, "a", (0, 50), 2),
            write(1, "b", (10, 40), 1),
            read(2, "b", (5, 45), 1),
            read(3, "a", (60, 70), 2),
        ];
        assert_eq!(check_key(&h, 0, "init"), Verdict::Linearizable);
    }

    #[test]
    fn an_indeterminate_write_may_happen_late_or_never_but_not_twice() {
        let info = Kind::Write {
            key: 0,
            value: "x".into(),
        };
        let lost = op(0, info, (0, 5), Outcome::Info("timeout".into()));
        let seen_late = vec![
            lost.clone(),
            read(1, "init", (10, 20), 0),
            read(2, "x", (30, 40), 1),
        ];
        assert_eq!(check_key(&seen_late, 0, "init"), Verdict::Linearizable);
        let never = vec![lost.clone(), read(1, "init", (10, 20), 0)];
        assert_eq!(check_key(&never, 0, "init"), Verdict::Linearizable);
        let undone = vec![
            lost,
            read(1, "x", (10, 20), 1),
            read(2, "init", (30, 40), 0),
        ];
        assert!(matches!(
            check_key(&undone, 0, "init"),
            Verdict::Violation { .. }
        ));
    }

    #[test]
    fn a_failed_compare_and_set_saw_another_version() {
        let cas = |index, t, outcome| {
            let kind = Kind::Cas {
                key: 0,
                expect: 0,
                value: "c".into(),
            };
            op(index, kind, t, outcome)
        };
        let bad = vec![cas(0, (0, 10), Outcome::Fail("BadVersion".into()))];
        assert!(matches!(
            check_key(&bad, 0, "init"),
            Verdict::Violation { .. }
        ));
        let ok = vec![
            cas(0, (0, 10), Outcome::Written { version: 1 }),
            cas(1, (20, 30), Outcome::Fail("BadVersion".into())),
            read(2, "c", (40, 50), 1),
        ];
        assert_eq!(check_key(&ok, 0, "init"), Verdict::Linearizable);
    }
}
