//! The gRPC API: the types and service generated from `proto/zoolab.proto`,
//! and their conversions to and from the state machine's types.

/// Generated from `proto/zoolab.proto` (package `zoolab.v1`).
#[allow(clippy::all)]
pub mod pb {
    tonic::include_proto!("zoolab.v1");
}
