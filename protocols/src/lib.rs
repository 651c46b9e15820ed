//! Sans-IO consensus cores and the seeded simulator that checks them.
//!
//! Nothing in this crate touches a socket, a file, a clock, a thread or the
//! operating system's randomness: a core is a deterministic state machine,
//! so the *same* code runs in the real cluster (the `coordinator` crate's
//! runtime), in the seeded simulator ([`sim`]) and inside stateright
//! (the `model-check` crate).
//!
//! Module map:
//! - [`types`]: `NodeId`, [`Zxid`], [`Role`], [`Status`], [`ClusterConfig`];
//! - [`contract`]: the [`Core`] trait every protocol implements, and the
//!   [`Outbox`] of [`Action`]s with its ordering contract;
//! - [`rng`]: the seeded generator cores use for jitter;
//! - [`multipaxos`]: leader-based Multi-Paxos ([`multipaxos::MultiPaxos`]);
//! - [`paxos`]: leaderless basic Paxos, one instance per slot ([`paxos::Paxos`]);
//! - [`zab`]: ZooKeeper's atomic broadcast with fast leader election ([`zab::Zab`]);
//! - [`sim`]: the seeded deterministic simulator that runs any core under
//!   faults and checks agreement, commit order, durability and progress;

pub mod contract;
pub mod multipaxos;
pub mod paxos;
pub mod rng;
pub mod sim;
pub mod types;
pub mod zab;

pub use contract::{
    Action, ActionOf, Command, Core, Durable, Outbox, OutboxOf, RecordOf, Recovered, RejectReason,
};
pub use types::{ClusterConfig, NodeId, Role, Status, Ticks, Zxid};
