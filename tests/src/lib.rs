//! Integration tests over real `zoolab server` processes on loopback.
//!
//! - [`binary`]: builds the `zoolab` binary once per test process;
//! - [`cluster`]: the [`cluster::Cluster`] fixture (start, kill -9, stop,
//!   restart, status, wait for a leader);
//! - [`client`]: a small test client over the generated gRPC stubs;
//! - [`examples`]: builds the coordinator's example programs;
//! - [`shell`]: `zoolab cli` on a pty, a pipe or one-shot, and transcripts;
//! - [`wait`]: `wait_until`, polling instead of sleeping;
//! - [`zookeeper`]: the real Apache ZooKeeper, standalone, for differential
//!   tests;
//! - [`nemesis`]: fault testing (kill -9, pauses, partitions) with checked
//!   histories, behind the `zoolab-nemesis` binary.
//!
//! Every scenario runs for every protocol of [`protocols()`].

pub mod binary;
pub mod client;
pub mod cluster;
pub mod examples;
pub mod nemesis;
pub mod shell;
pub mod wait;
pub mod zookeeper;

use coordinator::server_config::ProtocolName;

/// The protocols every scenario runs against: all this build can run.
pub fn protocols() -> Vec<ProtocolName> {
    ProtocolName::available().collect()
}
