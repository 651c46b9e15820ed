//! Benchmarks and experiment drivers comparing the protocols on one workload; they arrive with the experiments issue.
