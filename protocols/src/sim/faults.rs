//! The fault schedule: at every tick of the fault phase, each kind of fault
//! happens with its own probability. Crashes never take down more than a
//! minority at once (the protocols promise nothing beyond that), and a
//! crashed node comes back after a random while.

use super::dice::Dice;
use crate::types::NodeId;

/// Per-tick probabilities, in permille.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRates {
    /// A live node crashes between two inputs.
    pub crash_permille: u32,
    /// A live node is marked to crash part-way through the batch of actions
    /// of its next input: the actions before a random point are performed,
    /// the rest are lost (persists included), as when the power goes.
    pub crash_mid_batch_permille: u32,
    /// Each crashed node restarts.
    pub restart_permille: u32,
    /// One random link is cut.
    pub cut_permille: u32,
    /// One random node is cut from everyone.
    pub isolate_permille: u32,
    /// Every link is restored.
    pub heal_permille: u32,
    /// A live node stops for `1..=pause_max` ticks (a long GC pause, a
    /// stalled disk): it handles nothing meanwhile, its timers fire late and
    /// the messages sent to it wait, then arrive all at once.
    pub pause_permille: u32,
    pub pause_max: u32,
}

impl FaultRates {
    /// No faults at all (the network may still be lossy).
    pub fn none() -> FaultRates {
        FaultRates {
            crash_permille: 0,
            crash_mid_batch_permille: 0,
            restart_permille: 0,
            cut_permille: 0,
            isolate_permille: 0,
            heal_permille: 0,
            pause_permille: 0,
            pause_max: 0,
        }
    }
}

/// One fault the simulator applies at the start of a tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Crash(NodeId),
    CrashMidBatch(NodeId),
    Restart(NodeId),
    Cut(NodeId, NodeId),
    Isolate(NodeId),
    Heal,
    Pause(NodeId, u32),
}

/// The faults of one tick, given which nodes are `up` and which are `down`,
/// crashing no more than `max_down` nodes at once.
pub fn plan(
    rates: &FaultRates,
    dice: &mut Dice,
    up: &[NodeId],
    down: &[NodeId],
    max_down: usize,
) -> Vec<Fault> {
    let mut faults = Vec::new();
    for &n in down {
        if dice.chance(rates.restart_permille) {
            faults.push(Fault::Restart(n));
        }
    }
    let can_crash = down.len() < max_down;
    if can_crash && dice.chance(rates.crash_permille) {
        faults.extend(dice.pick(up).map(Fault::Crash));
    } else if can_crash && dice.chance(rates.crash_mid_batch_permille) {
        faults.extend(dice.pick(up).map(Fault::CrashMidBatch));
    }
    let all: Vec<NodeId> = up.iter().chain(down).copied().collect();
    if dice.chance(rates.cut_permille) {
        let a = dice.pick(&all);
        let b = dice.pick(&all);
        if let (Some(a), Some(b)) = (a, b)
            && a != b
        {
            faults.push(Fault::Cut(a, b));
        }
    }
    if dice.chance(rates.isolate_permille) {
        faults.extend(dice.pick(&all).map(Fault::Isolate));
    }
    if dice.chance(rates.heal_permille) {
        faults.push(Fault::Heal);
    }
    if dice.chance(rates.pause_permille)
        && let Some(n) = dice.pick(up)
    {
        faults.push(Fault::Pause(n, dice.between(1, rates.pause_max)));
    }
    faults
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crashes_stop_at_the_minority_bound_and_down_nodes_come_back() {
        let rates = FaultRates {
            crash_permille: 1000,
            restart_permille: 1000,
            ..FaultRates::none()
        };
        let mut dice = Dice::new(5);
        let f = plan(&rates, &mut dice, &[1, 2, 3, 4], &[5], 2);
        assert!(f.contains(&Fault::Restart(5)));
        assert!(
            f.iter()
                .any(|f| matches!(f, Fault::Crash(n) if (1..=4).contains(n)))
        );
        let f = plan(&rates, &mut dice, &[1, 2, 3], &[4, 5], 2);
        assert!(!f.iter().any(|f| matches!(f, Fault::Crash(_))), "{f:?}");
    }

    #[test]
    fn no_rates_no_faults() {
        let mut dice = Dice::new(6);
        for _ in 0..100 {
            assert!(plan(&FaultRates::none(), &mut dice, &[1, 2], &[3], 1).is_empty());
        }
    }
}
