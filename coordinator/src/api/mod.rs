//! The gRPC API: the types and service generated from `proto/zoolab.proto`
//! (package `zoolab.v1`), and their conversions to and from the state
//! machine's types.
//!
//! A service implementation needs three things from here:
//! - [`pb::zoo_lab_server::ZooLab`], the trait to implement, and
//!   [`pb::zoo_lab_server::ZooLabServer`] to serve it (the client is
//!   [`pb::zoo_lab_client::ZooLabClient`]);
//! - for writes, [`WriteRequest::into_command`] (session, xid and op from the
//!   request) and [`WriteReply::from_apply`] (the response from the
//!   [`crate::ApplyResult`]);
//! - for every request, [`SessionRequest::session_and_xid`];
//! - for reads, the `*_reply` functions over the tree's read results, and
//!   [`Reply::status`] / [`Reply::failed`] for any response that only
//!   carries an error.
//!
//! Errors are in-band (`ReplyHeader.err` is ZooKeeper's code); gRPC statuses
//! are for calls that never reached an operation. The proto file says so to
//! clients.

pub mod convert;
pub mod reply;
#[cfg(test)]
mod tests;

/// Generated from `proto/zoolab.proto` (package `zoolab.v1`).
#[allow(clippy::all)]
pub mod pb {
    tonic::include_proto!("zoolab.v1");
}

pub use convert::{SessionRequest, WriteRequest};
pub use reply::{Reply, WriteReply, set_traffic};
