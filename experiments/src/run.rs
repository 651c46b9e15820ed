//! The load loop: closed (every session keeps N requests in flight) or open
//! (requests start at a target rate, latency counted from when each was
//! due, so a slow server cannot hide its queueing: no coordinated
//! omission). Latencies go into HdrHistograms; only requests that start
//! after the warm-up and finish within the measured interval count.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::driver::{DriverError, LoadDriver, LoadSession};
use crate::procstat::CpuMeter;
use crate::report::{BenchReport, Percentiles};
use crate::workload::{KeyChooser, KeyDistribution, OpStream, Workload};

/// How the load is offered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Load {
    /// `sessions` sessions, each with `in_flight` requests outstanding.
    Closed { sessions: usize, in_flight: usize },
    /// `rate` requests per second in total, spread over `sessions`.
    Open { sessions: usize, rate: f64 },
}

impl Load {
    pub fn sessions(self) -> usize {
        match self {
            Load::Closed { sessions, .. } | Load::Open { sessions, .. } => sessions.max(1),
        }
    }

    fn label(self) -> String {
        match self {
            Load::Closed {
                sessions,
                in_flight,
            } => format!("closed:{sessions}x{in_flight}"),
            Load::Open { sessions, rate } => format!("open:{rate}/s@{sessions}"),
        }
    }
}

/// One bench run.
#[derive(Clone, Debug)]
pub struct BenchConfig {
    pub workload: Workload,
    pub load: Load,
    pub value_size: usize,
    pub keys: usize,
    pub distribution: KeyDistribution,
    pub warmup: Duration,
    pub duration: Duration,
    pub seed: u64,
    /// Server processes whose CPU and peak RSS are reported.
    pub server_pids: Vec<u32>,
    /// Create the keys before the run.
    pub prepare: bool,
    pub progress: bool,
}

impl Default for BenchConfig {
    fn default() -> BenchConfig {
        BenchConfig {
            workload: Workload::SetData,
            load: Load::Closed {
                sessions: 4,
                in_flight: 1,
            },
            // The paper's 1 KB.
            value_size: 1024,
            keys: 1000,
            distribution: KeyDistribution::Uniform,
            warmup: Duration::from_secs(2),
            duration: Duration::from_secs(10),
            seed: 1,
            server_pids: Vec::new(),
            prepare: true,
            progress: true,
        }
    }
}

/// What a set of requests measured.
struct Tally {
    hist: Histogram<u64>,
    ops: u64,
    errors: BTreeMap<String, u64>,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            // 1 µs to 60 s at 3 significant digits.
            hist: Histogram::new_with_bounds(1, 60_000_000, 3).expect("constant, valid bounds"),
            ops: 0,
            errors: BTreeMap::new(),
        }
    }

    fn merge(&mut self, other: &Tally) {
        let _ = self.hist.add(&other.hist);
        self.ops += other.ops;
        for (k, v) in &other.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
    }
}

/// The measured window, shared by every worker.
#[derive(Clone, Copy)]
struct Window {
    from: Instant,
    to: Instant,
}

impl Window {
    fn counts(&self, started: Instant, finished: Instant) -> bool {
        started >= self.from && finished <= self.to
    }
}

fn record(tally: &mut Tally, window: Window, due: Instant, result: Result<(), String>) {
    let done = Instant::now();
    if !window.counts(due, done) {
        return;
    }
    match result {
        Ok(()) => {
            let us = done.duration_since(due).as_micros().max(1) as u64;
            let _ = tally.hist.record(us.min(60_000_000));
            tally.ops += 1;
        }
        Err(kind) => *tally.errors.entry(kind).or_default() += 1,
    }
}

/// Runs one bench against `driver`'s cluster.
pub async fn run(driver: &dyn LoadDriver, cfg: &BenchConfig) -> Result<BenchReport, DriverError> {
    let n = cfg.load.sessions();
    let mut sessions: Vec<Arc<dyn LoadSession>> = Vec::with_capacity(n);
    for i in 0..n {
        sessions.push(driver.session(i).await?);
    }
    let value = vec![b'x'; cfg.value_size];
    let keys = if cfg.workload.needs_keys() {
        cfg.keys
    } else {
        0
    };
    if cfg.prepare {
        sessions[0].prepare(keys, &value).await?;
    }
    let value: Arc<[u8]> = value.into();
    let start = Instant::now();
    let window = Window {
        from: start + cfg.warmup,
        to: start + cfg.warmup + cfg.duration,
    };
    let done = Arc::new(AtomicU64::new(0));
    let chooser = KeyChooser::new(cfg.keys, cfg.distribution);
    let mut workers: JoinSet<Tally> = JoinSet::new();
    for (s, session) in sessions.iter().enumerate() {
        match cfg.load {
            Load::Closed { in_flight, .. } => {
                for j in 0..in_flight.max(1) {
                    let seed = cfg.seed ^ ((s as u64) << 32) ^ j as u64;
                    let ops = OpStream::new(cfg.workload, chooser.clone(), seed);
                    workers.spawn(closed_worker(
                        session.clone(),
                        ops,
                        value.clone(),
                        window,
                        done.clone(),
                    ));
                }
            }
            Load::Open { rate, .. } => {
                let per_session = (rate / n as f64).max(0.001);
                let ops = OpStream::new(cfg.workload, chooser.clone(), cfg.seed ^ s as u64);
                workers.spawn(open_worker(
                    session.clone(),
                    ops,
                    value.clone(),
                    window,
                    per_session,
                    done.clone(),
                ));
            }
        }
    }
    let (client, servers) = watch_progress(cfg, window, &done).await;
    let mut total = Tally::new();
    while let Some(joined) = workers.join_next().await {
        if let Ok(t) = joined {
            total.merge(&t);
        }
    }
    for s in &sessions {
        s.close().await;
    }
    let secs = cfg.duration.as_secs_f64().max(1e-9);
    Ok(BenchReport {
        driver: driver.name().into(),
        workload: cfg.workload.to_string(),
        load: cfg.load.label(),
        sessions: n,
        value_size: cfg.value_size,
        keys: cfg.keys,
        distribution: cfg.distribution.to_string(),
        duration_s: secs,
        ops: total.ops,
        errors: total.errors.values().sum(),
        errors_by_kind: total.errors,
        throughput: total.ops as f64 / secs,
        latency_us: Percentiles::of(&total.hist),
        client,
        servers,
    })
}

/// Shows progress until the window closes; measures CPU over the window.
async fn watch_progress(
    cfg: &BenchConfig,
    window: Window,
    done: &AtomicU64,
) -> (
    Option<crate::procstat::ProcUsage>,
    Vec<crate::procstat::ProcUsage>,
) {
    let total_ms = (cfg.warmup + cfg.duration).as_millis() as u64;
    let bar = if cfg.progress {
        ProgressBar::new(total_ms)
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{bar:30}] {percent:>3}% {msg}") {
        bar.set_style(style);
    }
    let begin = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut meters: Option<(Option<CpuMeter>, Vec<CpuMeter>)> = None;
    loop {
        tick.tick().await;
        let now = Instant::now();
        if meters.is_none() && now >= window.from {
            let client = CpuMeter::start(std::process::id()).ok();
            let servers = cfg
                .server_pids
                .iter()
                .filter_map(|&p| CpuMeter::start(p).ok())
                .collect();
            meters = Some((client, servers));
        }
        let phase = if now < window.from {
            "warm-up"
        } else {
            "measuring"
        };
        bar.set_position(now.duration_since(begin).as_millis() as u64);
        bar.set_message(format!("{phase}: {} ops", done.load(Ordering::Relaxed)));
        if now >= window.to {
            break;
        }
    }
    bar.finish_and_clear();
    let Some((client, servers)) = meters else {
        return (None, Vec::new());
    };
    (
        client.and_then(|m| m.stop().ok()),
        servers.iter().filter_map(|m| m.stop().ok()).collect(),
    )
}

async fn closed_worker(
    session: Arc<dyn LoadSession>,
    mut ops: OpStream,
    value: Arc<[u8]>,
    window: Window,
    done: Arc<AtomicU64>,
) -> Tally {
    let mut tally = Tally::new();
    while Instant::now() < window.to {
        let op = ops.next_op();
        let started = Instant::now();
        let result = session.execute(&op, &value).await.map_err(|e| e.0);
        record(&mut tally, window, started, result);
        done.fetch_add(1, Ordering::Relaxed);
    }
    tally
}

/// Starts one request every `1/rate` s, each in its own task.
async fn open_worker(
    session: Arc<dyn LoadSession>,
    mut ops: OpStream,
    value: Arc<[u8]>,
    window: Window,
    rate: f64,
    done: Arc<AtomicU64>,
) -> Tally {
    let tally = Arc::new(Mutex::new(Tally::new()));
    let mut inflight = JoinSet::new();
    let period = Duration::from_secs_f64(1.0 / rate);
    let mut tick = tokio::time::interval(period);
    // Missed ticks fire at once: the schedule, not the server, sets the pace.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    loop {
        let due = tick.tick().await;
        if due >= window.to {
            break;
        }
        let op = ops.next_op();
        let (session, value, tally, done) =
            (session.clone(), value.clone(), tally.clone(), done.clone());
        inflight.spawn(async move {
            let result = session.execute(&op, &value).await.map_err(|e| e.0);
            if let Ok(mut t) = tally.lock() {
                record(&mut t, window, due, result);
            }
            done.fetch_add(1, Ordering::Relaxed);
        });
        // Reap finished requests so the set stays small.
        while inflight.try_join_next().is_some() {}
    }
    while inflight.join_next().await.is_some() {}
    let mut out = Tally::new();
    if let Ok(t) = tally.lock() {
        out.merge(&t);
    }
    out
}
