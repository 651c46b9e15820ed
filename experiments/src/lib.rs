//! `zoolab-bench` and the experiments of issue #9: load over gRPC (later
//! also ZooKeeper's wire protocol, for Apache ZooKeeper), latency
//! histograms, /proc accounting, plots and RESULTS.md.
//!
//! Module map:
//! - [`workload`]: operations, keys, their distribution (uniform, Zipf),
//!   one seeded op stream per session;
//! - [`driver`]: the [`LoadDriver`](driver::LoadDriver) /
//!   [`LoadSession`](driver::LoadSession) seam and the gRPC driver;
//! - [`run`]: the closed- and open-loop load loops, HdrHistogram latencies,
//!   the progress bar;
//! - [`report`]: a run's JSON and CSV;
//! - [`procstat`]: CPU and peak RSS of processes from /proc;
//! - [`machine`]: cores, memory, fsync latency for RESULTS.md;
//! - [`cluster`]: local clusters of server processes on loopback;
//! - [`plot`]: PNG line plots; [`results`]: RESULTS.md's sections;
//! - [`experiment`]: one module per experiment.

pub mod cluster;
pub mod driver;
pub mod experiment;
pub mod machine;
pub mod plot;
pub mod procstat;
pub mod report;
pub mod results;
pub mod run;
pub mod workload;
