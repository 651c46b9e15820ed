//! The fault schedule: generated from a seed before the run and printed,
//! so a failing run can be replayed with the same `--seed`. Only "the
//! leader" is resolved while running (whoever leads then).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use protocols::NodeId;

/// A small deterministic generator (SplitMix64): the runner needs no
/// cryptographic randomness, only replayable choices.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n.max(1)).unwrap_or(u64::MAX);
        usize::try_from(self.next_u64() % n64).unwrap_or(0)
    }

    /// Uniform in `lo..hi` milliseconds.
    pub fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next_u64() % (hi - lo).max(1))
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// The kinds of fault a run may inject (`--faults`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    Kill,
    Pause,
    Partition,
}

impl FromStr for FaultKind {
    type Err = String;
    fn from_str(s: &str) -> Result<FaultKind, String> {
        match s {
            "kill" => Ok(FaultKind::Kill),
            "pause" => Ok(FaultKind::Pause),
            "partition" => Ok(FaultKind::Partition),
            _ => Err(format!("unknown fault {s:?}: kill, pause or partition")),
        }
    }
}

/// Which server a process fault hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Whoever leads when the fault starts.
    Leader,
    Node(NodeId),
}

/// One fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// kill -9, restarted when the fault ends.
    Kill(Target),
    /// SIGSTOP, SIGCONT when the fault ends.
    Pause(Target),
    /// Both directions cut between every pair of different groups.
    Split(Vec<Vec<NodeId>>),
    /// The leader cut off from everyone.
    IsolateLeader,
    /// `left` and `right` cut from each other; `bridge` sees both.
    Bridge {
        left: Vec<NodeId>,
        bridge: NodeId,
        right: Vec<NodeId>,
    },
}

impl Fault {
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::Kill(_) => FaultKind::Kill,
            Fault::Pause(_) => FaultKind::Pause,
            Fault::Split(_) | Fault::IsolateLeader | Fault::Bridge { .. } => FaultKind::Partition,
        }
    }
}

/// A fault held from `at` for `hold`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: Duration,
    pub hold: Duration,
    pub fault: Fault,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at {:>6.2}s for {:.2}s: {:?}",
            self.at.as_secs_f64(),
            self.hold.as_secs_f64(),
            self.fault
        )
    }
}

/// The faults of a run of `duration` over servers `ids`, one at a time:
/// 2–5 s of fault, then 2–4 s of calm, until a second before the end.
pub fn generate(seed: u64, duration: Duration, kinds: &[FaultKind], ids: &[NodeId]) -> Vec<Event> {
    let mut rng = Rng::new(seed);
    let mut events = Vec::new();
    let mut at = Duration::from_secs(2);
    if kinds.is_empty() || ids.is_empty() {
        return events;
    }
    loop {
        let hold = rng.millis(2000, 5000);
        if at + hold + Duration::from_secs(1) > duration {
            return events;
        }
        let kind = kinds[rng.below(kinds.len())];
        let fault = pick(&mut rng, kind, ids);
        events.push(Event { at, hold, fault });
        at += hold + rng.millis(2000, 4000);
    }
}

fn pick(rng: &mut Rng, kind: FaultKind, ids: &[NodeId]) -> Fault {
    let target = |rng: &mut Rng| {
        if rng.below(2) == 0 {
            Target::Leader
        } else {
            Target::Node(ids[rng.below(ids.len())])
        }
    };
    match kind {
        FaultKind::Kill => Fault::Kill(target(rng)),
        FaultKind::Pause => Fault::Pause(target(rng)),
        FaultKind::Partition => {
            let mut order = ids.to_vec();
            rng.shuffle(&mut order);
            match rng.below(3) {
                0 => {
                    let (minority, majority) = order.split_at(ids.len() / 2);
                    Fault::Split(vec![minority.to_vec(), majority.to_vec()])
                }
                1 => Fault::IsolateLeader,
                _ => {
                    let side = (ids.len() - 1) / 2;
                    Fault::Bridge {
                        left: order[..side].to_vec(),
                        bridge: order[side],
                        right: order[side + 1..].to_vec(),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_schedule_and_another_seed_another() {
        let kinds = [FaultKind::Kill, FaultKind::Pause, FaultKind::Partition];
        let d = Duration::from_secs(60);
        let a = generate(7, d, &kinds, &[1, 2, 3]);
        assert_eq!(a, generate(7, d, &kinds, &[1, 2, 3]));
        assert_ne!(a, generate(8, d, &kinds, &[1, 2, 3]));
        assert!(a.len() >= 5, "{a:?}");
        assert!(a.iter().all(|e| e.at + e.hold < d));
    }
}
