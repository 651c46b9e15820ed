//! Watches: the per-server table of who wants to hear about which znode.
//!
//! Watches are not replicated. Each server keeps the watches of the sessions
//! connected to it and turns the [`Trigger`](crate::event::Trigger)s that the
//! tree raises while applying a committed command into [`WatchedEvent`]s for
//! those sessions. The rules follow ZooKeeper 3.8's `WatchManager` and
//! `DataTree` (see `shared/reference/zk-wire-protocol.md` §9); where zoolab
//! departs from 3.8 the item says so.
//!
//! - [`mode`]: what a session can ask for (one-shot kinds, `addWatch` modes,
//!   `WatcherType` of checkWatches/removeWatches);
//! - [`notification`]: the [`WatchedEvent`] handed to front ends, errors;
//! - [`table`]: one watch table (ZooKeeper has two: data and child);
//! - [`manager`]: [`WatchManager`], the two tables and the trigger rules;
//! - [`rearm`]: `setWatches` after a client moved servers.
mod manager;
pub mod mode;
pub mod notification;
mod rearm;
mod table;

pub use manager::{WatchManager, WatchSummary};
pub use mode::{AddWatchMode, WatcherType};
pub use notification::{WatchError, WatchedEvent};
pub use rearm::{NodeZxids, SetWatches};

#[cfg(test)]
mod tests;
