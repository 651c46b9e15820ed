//! What every client front end (gRPC, ZooKeeper's wire protocol) does the
//! same way over a node's request core: open and resume sessions, serve a
//! session's reads in its FIFO order, submit its writes, and say at which
//! zxid each answer was given. Front ends translate their own encodings
//! into these calls and hold no semantics of their own.

mod core;

pub use core::{Opened, RequestCore};
