//! ZooKeeper's replicated state machine: the znode tree, sessions and watches.
//!
//! The tree is pure and deterministic: [`DataTree::apply`] takes a committed
//! [`Command`] and its zxid and returns an [`ApplyOutcome`] (the typed
//! result for the client, and the watch [`Trigger`]s); reads are methods of
//! [`DataTree`]. No clock, no I/O: time comes in the command (the
//! proposer's wall clock) and in `now_ms` arguments.
//!
//! Module map:
//! - [`event`]: session ids, event types and the triggers the tree raises.
//! - [`error`]: ZooKeeper's error codes.
//! - [`command`]: commands and their encoding (postcard).
//! - [`result`]: apply results.
//! - [`tree`]: the [`DataTree`], its nodes and the undo-logged mutations.
//! - `ops`: one file per operation (create, delete, setData, check, setACL,
//!   multi, sessions, clean-up) and the reads.
//! - [`path`], [`stat`], [`acl`]: paths, Stat, ACLs as ZooKeeper defines them.
//! - [`session`]: the session table and the expiry design;
//!   [`session_tracker`]: the pure tracker that decides expiry.
//! - [`snapshot`]: versioned, checksummed snapshots of the whole state.
//! - [`config`]: the zoo.cfg settings the state machine depends on.
//! - [`watch`]: one server's watches, turning triggers into notifications.
//! - [`replica`]: what one server holds (tree + its watches), the facade
//!   every front end calls.
pub mod acl;
pub mod command;
pub mod config;
pub mod error;
pub mod event;
mod ops;
pub mod path;
pub mod replica;
pub mod result;
pub mod session;
pub mod session_tracker;
pub mod snapshot;
pub mod stat;
pub mod tree;
pub mod watch;

pub use acl::{Acl, Id};
pub use command::{
    CheckRequest, Command, CreateMode, CreateRequest, DecodeError, DeleteRequest, MultiOp, Op,
    SetAclRequest, SetDataRequest,
};
pub use config::TreeConfig;
pub use error::ErrorCode;
pub use event::{EventType, SessionId, Trigger};
pub use result::{ApplyOutcome, ApplyResult, MultiOpResult, MultiResult, OpResult};
pub use session::Session;
pub use session_tracker::{KeeperRule, SessionTracker, choose_keeper};
pub use snapshot::SnapshotError;
pub use stat::Stat;
pub use tree::{DataTree, Node, NodeKind};
