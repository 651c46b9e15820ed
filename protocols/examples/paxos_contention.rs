//! Prints basic Paxos's phase-1 rounds per decided slot as the number of
//! concurrent proposers grows from 1 to 5, with and without the randomized
//! backoff after pre-emption (see `protocols::paxos::contention`).
//!
//! ```text
//! cargo run -p protocols --example paxos_contention [seeds]
//! ```

use protocols::paxos::contention::{Contention, Cost, measure_seeds};

fn cell(cost: &Cost) -> String {
    let per_slot = cost.rounds_per_slot();
    let ticks = if cost.decided == 0 {
        f64::INFINITY
    } else {
        cost.ticks as f64 / cost.decided as f64
    };
    format!("{per_slot:>8.2} {ticks:>8.1} {:>8}", cost.decided)
}

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let setting = Contention::new(1, true, 0);
    println!(
        "basic Paxos, {} nodes, messages delayed 1..={} ticks, {} slots or {} ticks per run, {seeds} seeds",
        setting.nodes, setting.max_delay, setting.slots, setting.max_ticks
    );
    println!(
        "{:>9} | {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8}",
        "", "backoff", "", "", "none", "", ""
    );
    println!(
        "{:>9} | {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8}",
        "proposers", "rounds/s", "ticks/s", "slots", "rounds/s", "ticks/s", "slots"
    );
    for proposers in 1..=5 {
        let with = measure_seeds(proposers, true, 0..seeds);
        let without = measure_seeds(proposers, false, 0..seeds);
        println!("{proposers:>9} | {} | {}", cell(&with), cell(&without));
    }
}
