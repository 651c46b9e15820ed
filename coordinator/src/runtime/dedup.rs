//! Deterministic deduplication of commands committed twice.
//!
//! The contract (rule 3) allows a protocol to commit one command at two
//! zxids: a follower re-forwards a proposal it has not seen committed, and
//! both copies may be ordered. Every replica must then apply it once, the
//! same way, so the decision depends only on the committed sequence (and
//! travels inside the snapshot, see [`super::state_machine`]).
//!
//! Each command carries `(origin, tag)`. The origin issues tags in
//! increasing order and keeps a *span* invariant: it never issues tag `t`
//! while one of its own tags `<= t - DEDUP_SPAN` is unresolved (it answers
//! such an old request with ConnectionLoss first — see
//! [`super::driver`]). So once a replica has applied tag `t` from an origin,
//! any tag `<= t - DEDUP_SPAN` from that origin was already resolved at the
//! origin: applied, or given up on with an indeterminate answer. Such a tag
//! is dropped, and only the window `(max - DEDUP_SPAN, max]` of applied tags
//! is remembered per origin.
//!
//! Tags of a new boot start above every tag of the previous one (the boot's
//! wall clock in the high bits), so stragglers of a crashed incarnation fall
//! below the window and are dropped too: their clients saw the connection
//! drop, an indeterminate outcome, as in ZooKeeper. Tag 0 means "not
//! deduplicated" (tests and hand-built commands).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use protocols::NodeId;

/// How many of an origin's most recent tags are remembered.
pub const DEDUP_SPAN: u64 = 8192;

/// The applied tags of every origin, within the window.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dedup {
    origins: BTreeMap<NodeId, Window>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Window {
    max: u64,
    seen: BTreeSet<u64>,
}

impl Dedup {
    /// Records that `(origin, tag)` commits now. False when it must not be
    /// applied: it was applied before, or it is older than the window.
    pub fn admit(&mut self, origin: NodeId, tag: u64) -> bool {
        if tag == 0 {
            return true;
        }
        let w = self.origins.entry(origin).or_default();
        if w.seen.contains(&tag) || tag.saturating_add(DEDUP_SPAN) <= w.max {
            return false;
        }
        w.seen.insert(tag);
        w.max = w.max.max(tag);
        let floor = w.max.saturating_sub(DEDUP_SPAN);
        w.seen = w.seen.split_off(&(floor + 1));
        true
    }

    /// How many tags are remembered in all (for tests and metrics).
    pub fn remembered(&self) -> usize {
        self.origins.values().map(|w| w.seen.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_admitted_once_per_origin() {
        let mut d = Dedup::default();
        assert!(d.admit(1, 10));
        assert!(d.admit(2, 10), "origins are independent");
        assert!(!d.admit(1, 10));
        assert!(d.admit(1, 9), "out of order but inside the window");
        assert!(!d.admit(1, 9));
        assert!(
            d.admit(0, 0) && d.admit(0, 0),
            "tag 0 is never deduplicated"
        );
    }

    #[test]
    fn the_window_is_bounded_and_older_tags_are_dropped() {
        let mut d = Dedup::default();
        for t in 1..=3 * DEDUP_SPAN {
            assert!(d.admit(1, t));
        }
        assert_eq!(d.remembered() as u64, DEDUP_SPAN);
        assert!(
            !d.admit(1, 2 * DEDUP_SPAN),
            "at the floor: resolved at the origin"
        );
        assert!(!d.admit(1, 3 * DEDUP_SPAN), "still remembered");
    }
}
