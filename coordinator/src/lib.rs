//! ZooKeeper's replicated state machine: the znode tree, sessions and watches.
//!
//! Module map:
//! - [`event`]: session ids, event types and the triggers the tree raises;
//! - [`codec`]: postcard, the one format of the peer link, the WAL and snapshots.
pub mod codec;
pub mod event;
