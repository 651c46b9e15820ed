//! Redial delays: exponential, capped, with jitter so that peers that lost
//! a node together do not redial it in lockstep.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
    rng: u64,
}

impl Backoff {
    /// A backoff whose jitter is seeded from the OS (through std's hash
    /// seed): the runtime needs no reproducible randomness here.
    pub(crate) fn new(initial: Duration, max: Duration) -> Backoff {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(0);
        Backoff::seeded(initial, max, h.finish())
    }

    pub(crate) fn seeded(initial: Duration, max: Duration, seed: u64) -> Backoff {
        let initial = initial.max(Duration::from_millis(1));
        Backoff {
            initial,
            max: max.max(initial),
            next: initial,
            rng: seed | 1,
        }
    }

    /// The delay before the next attempt: uniformly in [d/2, d] where d
    /// doubles from `initial` up to `max`.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (d * 2).min(self.max);
        let half = d / 2;
        let span = (d - half).as_micros() as u64 + 1;
        half + Duration::from_micros(self.random() % span)
    }

    /// After a connection is established, start again from `initial`.
    pub(crate) fn reset(&mut self) {
        self.next = self.initial;
    }

    fn random(&mut self) -> u64 {
        // xorshift64: plenty for jitter.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_with_bounded_jitter_and_resets() {
        let ms = Duration::from_millis;
        let mut b = Backoff::seeded(ms(100), ms(1000), 42);
        let ceilings = [100, 200, 400, 800, 1000, 1000];
        for ceiling in ceilings {
            let d = b.next_delay();
            assert!(
                d >= ms(ceiling) / 2 && d <= ms(ceiling),
                "{d:?} vs {ceiling}"
            );
        }
        b.reset();
        assert!(b.next_delay() <= ms(100));
    }

    #[test]
    fn jitter_varies() {
        let ms = Duration::from_millis;
        let mut b = Backoff::seeded(ms(1000), ms(1000), 7);
        let delays: std::collections::BTreeSet<_> = (0..20).map(|_| b.next_delay()).collect();
        assert!(delays.len() > 10, "{delays:?}");
    }
}
