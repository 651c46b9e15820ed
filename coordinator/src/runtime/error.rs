//! Typed errors of the request core.

use std::fmt;

use protocols::NodeId;

use crate::error::ErrorCode;

/// Why a request did not produce a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestError {
    /// The state machine refused the command (NoNode, BadVersion, …),
    /// identically on every replica.
    Op(ErrorCode),
    /// This server cannot get the command ordered now and knows no leader
    /// to hand it to (`leader` is a hint when it knows one). Nothing was
    /// committed: the client may retry, here or elsewhere.
    NotLeader { leader: Option<NodeId> },
    /// The outcome is unknown (the protocol abandoned the proposal, or it
    /// waited too long): ZooKeeper's connection loss.
    ConnectionLoss,
    /// The node has stopped.
    Shutdown,
}

impl RequestError {
    /// ZooKeeper's error code for the wire. ZooKeeper has no "not leader"
    /// (followers forward): a client sees connection loss and retries.
    pub fn code(&self) -> ErrorCode {
        match self {
            RequestError::Op(code) => *code,
            RequestError::NotLeader { .. }
            | RequestError::ConnectionLoss
            | RequestError::Shutdown => ErrorCode::ConnectionLoss,
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Op(code) => write!(f, "{code:?}"),
            RequestError::NotLeader { leader: Some(l) } => {
                write!(f, "not leader; the leader is server {l}")
            }
            RequestError::NotLeader { leader: None } => write!(f, "no leader elected"),
            RequestError::ConnectionLoss => write!(f, "connection loss: outcome unknown"),
            RequestError::Shutdown => write!(f, "the node has stopped"),
        }
    }
}

impl std::error::Error for RequestError {}

impl From<ErrorCode> for RequestError {
    fn from(code: ErrorCode) -> RequestError {
        RequestError::Op(code)
    }
}
