//! The node runtime: drives any consensus core of the protocol contract
//! (`protocols::Core`) and the replicated znode tree, with the Ready loop of
//! DESIGN.md.
//!
//! - [`driver`]: [`NodeDriver`], the loop's logic — no I/O, no clock, unit
//!   tested with a scripted core;
//! - [`shell`]: the tokio task that drains inputs, calls the driver and
//!   performs each [`Ready`] in the contract's order (persist + one fsync →
//!   send → answer clients), and turns core timers into real ones;
//! - [`handle`]: [`NodeHandle`], the request core every front end calls;
//! - [`registry`]: [`ProtocolName`] and [`start_node`], the one place that
//!   names concrete protocols;
//! - [`state_machine`], [`dedup`]: what commits are applied to, and the
//!   deterministic drop of a command committed twice;
//! - [`session_order`]: FIFO per session — reads wait for the session's
//!   earlier writes;
//! - [`peer`]: the peer-link seam and an in-memory network for tests;
//! - [`storage`]: the durability seam (WAL + snapshots) and an in-memory
//!   store for tests;
//! - [`snapshot_transfer`]: streaming a snapshot to a lagging peer in chunks;
//! - [`traffic`]: messages and bytes on the peer links, and commits;
//! - [`tcp`]: the peer seam on the `net` transport, and [`start_server`]
//!   (transport + dataDir + node from a resolved zoo.cfg).
//!
//! # Time
//!
//! Cores count in ticks. One tick is `tickTime / TICKS_PER_TICKTIME`
//! ([`TICKS_PER_TICKTIME`] = 10): with ZooKeeper's default tickTime of
//! 2000 ms a tick is 200 ms, so a Multi-Paxos heartbeat (1 tick) is a tenth
//! of tickTime and `syncLimit = 5` (in tickTimes, as zoo.cfg gives it)
//! becomes 50 ticks. Session liveness is reported every
//! [`LIVENESS_EVERY_TICKS`] ticks (half a tickTime), so a session's minimum
//! timeout of two tickTimes spans four reports.
//!
//! # Generic, not boxed
//!
//! The driver and the shell are generic over `C: Core` (the trait has
//! associated types and `Sized` constructors, so it is not dyn-compatible);
//! the registry monomorphizes them once per protocol. Everything a front
//! end sees — [`NodeHandle`], [`NodeStatus`], the byte-frame peer seam —
//! is protocol-free.

pub mod dedup;
pub mod driver;
pub mod error;
#[cfg(feature = "fault-injection")]
pub mod fault;
pub mod handle;
pub mod peer;
pub mod registry;
pub mod session_order;
pub mod shell;
pub mod snapshot_transfer;
pub mod state_machine;
pub mod storage;
pub mod tcp;
pub mod traffic;

pub use crate::server_config::ProtocolName;
pub use driver::{Delivery, DriverConfig, Input, NodeDriver, Ready, Ticket, TimerOp};
pub use error::RequestError;
pub use handle::{Node, NodeHandle, NodeStatus};
pub use peer::{Inbound, MemLink, MemNet, PeerLink, PeerMessage, SendProbe};
pub use registry::{NodeConfig, StartError, start_node};
pub use state_machine::{AppliedCommit, StateMachine};
pub use storage::{DiskStorage, MemStorage, Storage, StorageError, StorageSpec};
pub use tcp::{PeerSetup, ServerError, TcpNode, start_server, start_tcp_node};
pub use traffic::Traffic;

/// Core ticks per zoo.cfg tickTime (see the module docs).
pub const TICKS_PER_TICKTIME: u32 = 10;

/// Session liveness reports (and the keeper's expiry check) every this many
/// ticks.
pub const LIVENESS_EVERY_TICKS: u32 = 5;
