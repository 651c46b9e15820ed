//! Durable storage in a server's dataDir:
//!
//! ```text
//! dataDir/
//!   LOCK                      held by the running server (DataDir)
//!   wal/segment.<seq hex>     the core's Persist records (Wal)
//!   snapshots/snapshot.<zxid hex>   the tree's snapshots (SnapshotStore)
//! ```
//!
//! All of it is synchronous `std::fs`: the runtime calls it from a blocking
//! context. Every file that must be whole appears under its final name by
//! an fsynced rename; the WAL's appends are checksummed frames whose torn
//! tail recovery cuts off.
//!
//! Startup: [`DataDir::lock`], then [`Wal::open`] (the core's durable state)
//! and [`SnapshotStore::latest`] (the tree). Each Ready batch:
//! [`Wal::append_batch`] once, then send. After writing a snapshot and
//! letting the core compact: [`Wal::checkpoint`] with its durable state.

mod datadir;
mod error;
mod frame;
mod io;
mod recovery;
mod segment;
mod snapshot;
mod wal;

#[cfg(test)]
mod tests;

pub use datadir::DataDir;
pub use error::{LockError, RejectedSnapshot, SnapshotStoreError, WalError};
pub use frame::{Invalid, MAX_FRAME_BYTES};
pub use io::IoFailure;
pub use recovery::{Recovery, RecoveryReport, Truncation};
pub use snapshot::{DEFAULT_RETAIN, LoadedSnapshot, SnapshotStore};
pub use wal::Wal;
