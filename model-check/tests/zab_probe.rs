use std::time::Duration;
use model_check::check::{self, RunOptions};
use model_check::zab;

fn env(k: &str, d: u64) -> u64 { std::env::var(k).ok().and_then(|s| s.parse().ok()).unwrap_or(d) }

#[test]
#[ignore]
fn probe() {
    let opts = RunOptions { timeout: Duration::from_secs(env("PROBE_SECS", 30)), ..RunOptions::default() };
    let mut b = if env("PROBE_CRASH", 0) == 1 { zab::crash_bounds() } else { zab::main_bounds() };
    b.max_epoch = env("PROBE_EPOCH", b.max_epoch as u64) as u32;
    if env("PROBE_NOWRITE", 0) == 1 { b.clients = vec![]; }
    if env("PROBE_GET", 0) == 1 { b.clients = vec![vec![model_check::register::RegOp::Put('A'), model_check::register::RegOp::Get]]; }
    if env("PROBE_FLIGHT", 0) > 0 { b.max_in_flight = Some(env("PROBE_FLIGHT", 0) as usize); }
    b.entry = env("PROBE_ENTRY", b.entry as u64) as usize;
    let bfs = env("PROBE_BFS", 0) == 1;
    let d = zab::Detectors { init_on: env("PROBE_INIT", 1), give_up: env("PROBE_GIVEUP", 0) == 1 };
    let bug = match env("PROBE_BUG", 0) { 1 => Some(protocols::zab::InjectedBug::CommitWithoutQuorum), 2 => Some(protocols::zab::InjectedBug::AcceptStaleEpoch), _ => None };
    let opts = RunOptions { breadth_first: bfs, stop: if bfs { check::Stop::AnyFailure } else { check::Stop::Never }, ..opts };
    let report = check::run(zab::model(b, d, bug), &opts);
    println!("{}", report.render());
}
