//! A measurement, not a test: the time from kill -9 of the leader to the
//! first acknowledged write, on real processes over loopback. Ignored by
//! default; run it with
//!
//! ```sh
//! cargo test -p tests --test t90_failover_time -- --ignored --nocapture
//! ```
//!
//! `ZOOLAB_TICK_MS` sets zoo.cfg's tickTime (default: the fixture's 100 ms;
//! ZooKeeper's default is 2000) and `ZOOLAB_RUNS` the number of runs (5).
//! Writes are attempted every 20 ms on every surviving server, each on its
//! own connection, so a request stuck behind the dead leader does not delay
//! the measurement; the clock stops at the first successful reply.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use coordinator::api::pb::CreateMode;
use tests::client::Conn;
use tests::cluster::{Cluster, Options};
use tests::protocols;

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One run: the time from the kill to the first acknowledged write.
async fn one_run(options: Options, run: usize) -> Duration {
    let mut cluster = Cluster::start(options);
    let leader = cluster.wait_for_leader().await;
    let mut warm = Conn::connect(&cluster.endpoint(leader))
        .await
        .expect("connect");
    warm.create("/warm", b"", CreateMode::Persistent)
        .await
        .expect("warm-up write");
    let survivors: Vec<String> = cluster
        .ids()
        .into_iter()
        .filter(|&id| id != leader)
        .map(|id| cluster.endpoint(id))
        .collect();
    // Connections first, so connecting is not measured.
    let mut conns = Vec::new();
    for e in &survivors {
        conns.push(Conn::connect(e).await.expect("connect"));
    }
    let (acked, mut first) = mpsc::unbounded_channel::<Instant>();
    let killed_at = Instant::now();
    cluster.kill(leader);
    let mut attempt = 0u64;
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let when = loop {
        tokio::select! {
            Some(at) = first.recv() => break at,
            _ = tick.tick() => {
                for conn in &conns {
                    attempt += 1;
                    let mut conn = conn.clone();
                    let acked = acked.clone();
                    let path = format!("/after-{run}-{attempt}");
                    tokio::spawn(async move {
                        if conn.create(&path, b"", CreateMode::Persistent).await.is_ok() {
                            let _ = acked.send(Instant::now());
                        }
                    });
                }
            }
        }
    };
    when - killed_at
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; run with --ignored --nocapture"]
async fn time_from_kill_9_of_the_leader_to_the_first_acknowledged_write() {
    let runs: usize = env_or("ZOOLAB_RUNS", 5);
    for protocol in protocols() {
        let mut options = Options::new(3, protocol);
        options.tick_time_ms = env_or("ZOOLAB_TICK_MS", options.tick_time_ms);
        let mut times = Vec::new();
        for run in 0..runs {
            let t = one_run(options.clone(), run).await;
            eprintln!("{protocol} run {run}: {} ms", t.as_millis());
            times.push(t);
        }
        times.sort();
        let median = times[times.len() / 2];
        eprintln!(
            "{protocol}: tickTime {} ms, syncLimit {}: kill -9 of the leader to the first acknowledged write: median {} ms over {runs} runs (min {} ms, max {} ms)",
            options.tick_time_ms,
            options.sync_limit,
            median.as_millis(),
            times[0].as_millis(),
            times[times.len() - 1].as_millis()
        );
    }
}
