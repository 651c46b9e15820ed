//! The simulator's one source of randomness: a [`SplitMix64`] seeded from the
//! run's seed, so that every choice the simulator makes (delays, drops,
//! faults, which client talks to which node) replays exactly.

use crate::rng::SplitMix64;

#[derive(Clone, Debug)]
pub struct Dice {
    rng: SplitMix64,
}

impl Dice {
    pub fn new(seed: u64) -> Dice {
        // Mixing the seed keeps seeds 0, 1, 2 … from starting in lockstep.
        Dice {
            rng: SplitMix64::new(seed ^ 0x5eed_5eed_d1ce_d1ce),
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// True with probability `permille` / 1000.
    pub fn chance(&mut self, permille: u32) -> bool {
        permille > 0 && self.rng.between(0, 999) < permille
    }

    /// A value in `lo..=hi`.
    pub fn between(&mut self, lo: u32, hi: u32) -> u32 {
        self.rng.between(lo, hi)
    }

    /// An index in `0..len` (0 when `len` is 0).
    pub fn below(&mut self, len: usize) -> usize {
        if len == 0 {
            0
        } else {
            (self.rng.next_u64() % len as u64) as usize
        }
    }

    /// A uniformly chosen element, `None` from an empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.below(items.len())])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chance_is_never_at_zero_and_always_at_a_thousand() {
        let mut d = Dice::new(3);
        assert!((0..1000).all(|_| !d.chance(0)));
        assert!((0..1000).all(|_| d.chance(1000)));
        let hits = (0..10_000).filter(|_| d.chance(100)).count();
        assert!((700..1300).contains(&hits), "{hits} hits for 10%");
    }

    #[test]
    fn pick_and_below_stay_in_range() {
        let mut d = Dice::new(9);
        assert_eq!(d.pick::<u64>(&[]), None);
        for _ in 0..100 {
            assert!([4, 5, 6].contains(&d.pick(&[4u64, 5, 6]).unwrap_or(0)));
            assert!(d.below(3) < 3);
        }
    }
}
