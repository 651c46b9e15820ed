//! ZooKeeper's replicated state machine: the znode tree, sessions and watches.
//!
//! Module map:
//! - [`event`]: session ids, event types and the triggers the tree raises.
//! - [`watch`]: one server's watches, turning triggers into notifications.
pub mod event;
pub mod watch;
