//! The experiments of issue #9, one module each; every one starts and stops
//! its own clusters, writes CSV and PNG files and its section of
//! RESULTS.md, and has a `--smoke` mode that takes seconds.
//!
//! - [`throughput`]: saturated throughput vs read ratio (the paper's
//!   Table 1 / Figure 5);
//! - [`create_loop`]: the create loop with 1, 10 and 20 synchronous
//!   workers (Table 2);
//! - [`sweep`]: what they share (clusters per protocol and size, repeats,
//!   medians, the CSV of every run).

pub mod create_loop;
pub mod sweep;
pub mod throughput;

use std::fmt;
use std::path::PathBuf;

use crate::cluster::ClusterError;
use crate::driver::DriverError;
use crate::plot::PlotError;

/// Where an experiment writes.
#[derive(Clone, Debug)]
pub struct Output {
    /// CSV and PNG files go here.
    pub dir: PathBuf,
    /// The RESULTS.md whose section is rewritten.
    pub results: PathBuf,
}

impl Output {
    /// A file's path as RESULTS.md links it (relative to its directory).
    pub fn link(&self, file: &std::path::Path) -> String {
        let base = self.results.parent().unwrap_or(std::path::Path::new("."));
        file.strip_prefix(base)
            .unwrap_or(file)
            .display()
            .to_string()
    }
}

/// Why an experiment stopped.
#[derive(Debug)]
pub enum ExperimentError {
    Cluster(ClusterError),
    Driver(DriverError),
    Plot(PlotError),
    Io(std::io::Error),
}

impl fmt::Display for ExperimentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExperimentError::Cluster(e) => write!(f, "cluster: {e}"),
            ExperimentError::Driver(e) => write!(f, "load: {e}"),
            ExperimentError::Plot(e) => write!(f, "plot: {e}"),
            ExperimentError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ExperimentError {}

impl From<ClusterError> for ExperimentError {
    fn from(e: ClusterError) -> Self {
        ExperimentError::Cluster(e)
    }
}

impl From<DriverError> for ExperimentError {
    fn from(e: DriverError) -> Self {
        ExperimentError::Driver(e)
    }
}

impl From<PlotError> for ExperimentError {
    fn from(e: PlotError) -> Self {
        ExperimentError::Plot(e)
    }
}

impl From<std::io::Error> for ExperimentError {
    fn from(e: std::io::Error) -> Self {
        ExperimentError::Io(e)
    }
}

/// The median of `values` (0 for none).
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }
}
