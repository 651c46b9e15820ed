//! ZooKeeper's replicated state machine: the znode tree, sessions and watches.
//!
//! Module map:
//! - [`event`]: session ids, event types and the triggers the tree raises.
pub mod event;
