//! The livelock's cost: with five concurrent proposers, basic Paxos without
//! backoff spends at least as many phase-1 rounds per decided slot as with
//! it; with one proposer there is no contention at all.

use protocols::paxos::contention::measure_seeds;

const SEEDS: std::ops::Range<u64> = 0..6;

#[test]
fn a_lone_proposer_needs_exactly_one_round_per_slot() {
    for backoff in [true, false] {
        let cost = measure_seeds(1, backoff, SEEDS);
        assert!(cost.decided > 0, "{cost:?}");
        assert_eq!(cost.attempts, cost.decided, "backoff {backoff}: {cost:?}");
        assert_eq!(cost.preemptions, 0, "{cost:?}");
    }
}

#[test]
fn without_backoff_five_proposers_pay_at_least_as_many_rounds_per_slot() {
    let with = measure_seeds(5, true, SEEDS);
    let without = measure_seeds(5, false, SEEDS);
    println!(
        "5 proposers: {:.2} rounds/slot with backoff ({with:?}), {:.2} without ({without:?})",
        with.rounds_per_slot(),
        without.rounds_per_slot()
    );
    assert!(with.decided > 0, "{with:?}");
    assert!(
        with.preemptions > 0,
        "five proposers never contended: {with:?}"
    );
    assert!(
        without.rounds_per_slot() >= with.rounds_per_slot(),
        "with {with:?}, without {without:?}"
    );
}
