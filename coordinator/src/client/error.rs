//! The client's typed errors.

use std::fmt;

use crate::api::pb;
use crate::error::ErrorCode;

/// Why a client call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientError {
    /// The server answered with ZooKeeper's error `code` (NoNode,
    /// BadVersion, NodeExists, …); `message` is the server's explanation.
    Keeper { code: ErrorCode, message: String },
    /// No answer, or the server could not serve the request now: the
    /// outcome of a write is unknown. The client is failing over (or will on
    /// the next call); retry when it makes sense.
    ConnectionLoss(String),
    /// The session is gone (expired, or closed elsewhere): its ephemerals
    /// are deleted. This client is finished; connect a new one.
    SessionExpired,
    /// [`super::Client::close`] was called.
    Closed,
    /// The connect string is empty or malformed.
    BadConnectString(String),
}

impl ClientError {
    /// ZooKeeper's error code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            ClientError::Keeper { code, .. } => *code,
            ClientError::ConnectionLoss(_) => ErrorCode::ConnectionLoss,
            ClientError::SessionExpired => ErrorCode::SessionExpired,
            ClientError::Closed => ErrorCode::SessionExpired,
            ClientError::BadConnectString(_) => ErrorCode::BadArguments,
        }
    }

    /// The error a non-zero reply header stands for.
    pub(crate) fn from_header(header: &pb::ReplyHeader) -> ClientError {
        match ErrorCode::from_code(header.err) {
            Some(ErrorCode::ConnectionLoss) => ClientError::ConnectionLoss(header.message.clone()),
            Some(ErrorCode::SessionExpired) => ClientError::SessionExpired,
            Some(code) => ClientError::Keeper {
                code,
                message: header.message.clone(),
            },
            // A code this build does not know (a newer server).
            None => ClientError::Keeper {
                code: ErrorCode::SystemError,
                message: format!("unknown error code {}: {}", header.err, header.message),
            },
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Keeper { code, message } if message.is_empty() => write!(f, "{code}"),
            ClientError::Keeper { message, .. } => f.write_str(message),
            ClientError::ConnectionLoss(why) => write!(f, "connection loss: {why}"),
            ClientError::SessionExpired => f.write_str("session expired"),
            ClientError::Closed => f.write_str("the client was closed"),
            ClientError::BadConnectString(why) => write!(f, "bad connect string: {why}"),
        }
    }
}

impl std::error::Error for ClientError {}
