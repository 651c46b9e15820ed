//! A run's results: JSON for machines, one CSV row per run for tables.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::procstat::ProcUsage;

/// Latency percentiles, microseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub mean: f64,
}

impl Percentiles {
    pub fn of(h: &Histogram<u64>) -> Percentiles {
        Percentiles {
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
            mean: h.mean(),
        }
    }
}

/// Everything one bench run measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BenchReport {
    pub driver: String,
    pub workload: String,
    pub load: String,
    pub sessions: usize,
    pub value_size: usize,
    pub keys: usize,
    pub distribution: String,
    /// The measured interval (after warm-up), seconds.
    pub duration_s: f64,
    /// Operations completed in it (a create+delete counts once).
    pub ops: u64,
    pub errors: u64,
    /// Errors by ZooKeeper error name.
    pub errors_by_kind: BTreeMap<String, u64>,
    pub throughput: f64,
    pub latency_us: Percentiles,
    /// The bench process itself.
    pub client: Option<ProcUsage>,
    /// The servers' processes, when pids were given.
    pub servers: Vec<ProcUsage>,
}

/// The CSV columns of [`BenchReport::csv_row`].
pub const CSV_HEADER: &str = "driver,workload,load,sessions,value_size,keys,distribution,\
duration_s,ops,errors,throughput,p50_us,p90_us,p99_us,p999_us,max_us,client_cpu_percent,\
servers_cpu_percent,servers_peak_rss_kib";

impl BenchReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    pub fn csv_row(&self) -> String {
        let l = &self.latency_us;
        let server_cpu: f64 = self.servers.iter().map(|s| s.cpu_percent).sum();
        let server_rss: u64 = self
            .servers
            .iter()
            .map(|s| s.peak_rss_kib)
            .max()
            .unwrap_or(0);
        format!(
            "{},{},{},{},{},{},{},{:.3},{},{},{:.1},{},{},{},{},{},{:.1},{:.1},{}",
            self.driver,
            self.workload,
            self.load,
            self.sessions,
            self.value_size,
            self.keys,
            self.distribution,
            self.duration_s,
            self.ops,
            self.errors,
            self.throughput,
            l.p50,
            l.p90,
            l.p99,
            l.p999,
            l.max,
            self.client.as_ref().map_or(0.0, |c| c.cpu_percent),
            server_cpu,
            server_rss
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_row_has_a_value_per_header_column() {
        let mut h = Histogram::<u64>::new(3).expect("histogram");
        for v in 1..=1000 {
            h.record(v).expect("record");
        }
        let p = Percentiles::of(&h);
        assert!(p.p50 <= p.p90 && p.p90 <= p.p99 && p.p99 <= p.p999 && p.p999 <= p.max);
        let r = BenchReport {
            driver: "grpc".into(),
            workload: "setdata".into(),
            load: "closed:2x1".into(),
            sessions: 2,
            value_size: 1024,
            keys: 10,
            distribution: "uniform".into(),
            duration_s: 1.0,
            ops: 1000,
            errors: 0,
            errors_by_kind: BTreeMap::new(),
            throughput: 1000.0,
            latency_us: p,
            client: None,
            servers: Vec::new(),
        };
        assert_eq!(
            r.csv_row().split(',').count(),
            CSV_HEADER.split(',').count()
        );
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).expect("json");
        assert_eq!(json["throughput"], 1000.0);
    }
}
