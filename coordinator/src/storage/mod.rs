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
//! Startup: [`DataDir::lock`], then [`Wal::open`] (the core's durable
//! state) and [`SnapshotStore::latest`] (the tree). Each Ready batch: one
//! [`Wal::append_batch`] with every `Persist` record of the batch, then the
//! sends. Compaction: [`SnapshotStore::write`] the tree, let the core
//! `compact` (persisting what it forgot), then [`Wal::checkpoint`] with the
//! fold of every record persisted so far (the host keeps that fold: the
//! core does not expose its durable state).
//!
//! Tail or middle: a crash tears only what was written after the last
//! fsync, which is the end of the newest segment and contains no intact
//! frame. So damage with no intact frame after it is a torn tail, cut off
//! with a warning; damage followed by an intact frame of the same segment
//! (frames are checksummed with a per-segment salt) is corruption of state
//! that was durable, and opening fails with [`WalError::CorruptRecord`].
//! A batch is one frame, so a half-persisted batch is always one torn frame.

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
