//! CPU time and peak memory of processes, from /proc: the servers' cost of
//! a run, and the bench client's own (to show it is not the bottleneck).

use std::fmt;
use std::time::Instant;

/// Linux's USER_HZ: the unit of /proc/<pid>/stat's times (100 on every
/// mainstream kernel configuration).
const TICKS_PER_SECOND: f64 = 100.0;

/// Why /proc could not be read for a process.
#[derive(Debug)]
pub struct ProcError {
    pub pid: u32,
    pub reason: String,
}

impl fmt::Display for ProcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/proc/{}: {}", self.pid, self.reason)
    }
}

impl std::error::Error for ProcError {}

/// One reading of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcSample {
    /// User plus system CPU time, in ticks.
    pub cpu_ticks: u64,
    /// Peak resident set size (VmHWM), KiB.
    pub peak_rss_kib: u64,
    /// Resident set size now (VmRSS), KiB.
    pub rss_kib: u64,
}

/// Reads `/proc/<pid>/stat` and `/proc/<pid>/status`.
pub fn sample(pid: u32) -> Result<ProcSample, ProcError> {
    let err = |reason: String| ProcError { pid, reason };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| err(format!("stat: {e}")))?;
    // The command name is in parentheses and may hold spaces: fields are
    // counted after its closing parenthesis (field 3, state, comes first).
    let after = stat
        .rfind(')')
        .map(|i| &stat[i + 1..])
        .ok_or_else(|| err("stat has no command name".into()))?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |n: usize| -> Result<u64, ProcError> {
        fields
            .get(n - 3)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| err(format!("stat field {n} missing")))
    };
    let cpu_ticks = field(14)? + field(15)?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| err(format!("status: {e}")))?;
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Ok(ProcSample {
        cpu_ticks,
        peak_rss_kib: kib("VmHWM:"),
        rss_kib: kib("VmRSS:"),
    })
}

/// CPU use of a process between two moments.
#[derive(Clone, Debug)]
pub struct CpuMeter {
    pub pid: u32,
    start: ProcSample,
    at: Instant,
}

/// What a process used over a run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ProcUsage {
    pub pid: u32,
    /// CPU time over wall time, in percent of one core.
    pub cpu_percent: f64,
    pub peak_rss_kib: u64,
}

impl CpuMeter {
    pub fn start(pid: u32) -> Result<CpuMeter, ProcError> {
        Ok(CpuMeter {
            pid,
            start: sample(pid)?,
            at: Instant::now(),
        })
    }

    pub fn stop(&self) -> Result<ProcUsage, ProcError> {
        let now = sample(self.pid)?;
        let wall = self.at.elapsed().as_secs_f64().max(1e-9);
        let cpu = now.cpu_ticks.saturating_sub(self.start.cpu_ticks) as f64 / TICKS_PER_SECOND;
        Ok(ProcUsage {
            pid: self.pid,
            cpu_percent: 100.0 * cpu / wall,
            peak_rss_kib: now.peak_rss_kib,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_process_has_memory_and_burns_cpu_when_busy() {
        let me = std::process::id();
        let first = sample(me).expect("our own /proc entry");
        assert!(first.peak_rss_kib > 0 && first.rss_kib > 0);
        assert!(first.peak_rss_kib >= first.rss_kib);
        let meter = CpuMeter::start(me).expect("meter");
        // Spin until the kernel has charged us a few ticks.
        let mut x = 0u64;
        while sample(me).expect("sample").cpu_ticks < first.cpu_ticks + 5 {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        let usage = meter.stop().expect("usage");
        assert!(x > 0);
        assert!(usage.cpu_percent > 0.0, "{usage:?}");
    }

    #[test]
    fn a_missing_process_is_an_error() {
        assert!(sample(u32::MAX).is_err());
    }
}
