//! The machine a result was measured on: cores, CPU model, memory, and the
//! latency of an fsync where the servers keep their data (what bounds a
//! write's latency on one disk).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

/// What RESULTS.md says about the machine.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu_model: String,
    pub memory_mib: u64,
    pub kernel: String,
    /// 4 KiB write + fsync, median and p99, microseconds.
    pub fsync_p50_us: u64,
    pub fsync_p99_us: u64,
    /// How the bench (and the servers it started) was compiled.
    pub build: &'static str,
}

impl Machine {
    /// Measures the machine; `fsyncs` writes are timed in `dir`.
    pub fn describe(dir: &Path, fsyncs: usize) -> std::io::Result<Machine> {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, m)| m.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: u64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        let (fsync_p50_us, fsync_p99_us) = fsync_latency(dir, fsyncs)?;
        Ok(Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            memory_mib: memory_kib / 1024,
            kernel,
            fsync_p50_us,
            fsync_p99_us,
            build: if cfg!(debug_assertions) {
                "not release (debug assertions on)"
            } else {
                "release"
            },
        })
    }

    /// One line for RESULTS.md.
    pub fn summary(&self) -> String {
        format!(
            "{} cores ({}), {} MiB memory, Linux {}; 4 KiB write+fsync: median {} µs, p99 {} µs; build: {}",
            self.cores,
            self.cpu_model,
            self.memory_mib,
            self.kernel,
            self.fsync_p50_us,
            self.fsync_p99_us,
            self.build
        )
    }
}

/// Median and p99 of `n` appends of 4 KiB each followed by fsync.
pub fn fsync_latency(dir: &Path, n: usize) -> std::io::Result<(u64, u64)> {
    let file = tempfile::NamedTempFile::new_in(dir)?;
    let mut f = file.as_file();
    let block = [0u8; 4096];
    let mut times: Vec<u64> = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let t = Instant::now();
        f.write_all(&block)?;
        f.sync_data()?;
        times.push(t.elapsed().as_micros() as u64);
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Ok((at(0.5), at(0.99)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_has_cores_memory_and_a_measured_fsync() {
        let dir = tempfile::tempdir().expect("tempdir");
        let m = Machine::describe(dir.path(), 5).expect("describe");
        assert!(m.cores >= 1 && m.memory_mib > 0, "{m:?}");
        assert!(m.fsync_p50_us <= m.fsync_p99_us);
        assert!(m.summary().contains("cores"));
    }
}
