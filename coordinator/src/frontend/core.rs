//! [`RequestCore`]: the front-end-neutral request path over a
//! [`NodeHandle`].

use protocols::Zxid;

use crate::command::Command;
use crate::error::ErrorCode;
use crate::event::SessionId;
use crate::replica::Replica;
use crate::result::OpResult;
use crate::runtime::{NodeHandle, RequestError};

/// How a connect (new session or resume) ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    /// Served: the session, its negotiated timeout and its password.
    Session {
        session: SessionId,
        timeout_ms: i32,
        password: [u8; 16],
        /// The zxid this server had applied when it answered.
        zxid: Zxid,
    },
    /// The client has seen more than this server applied: it must try
    /// another server (ZooKeeper closes without a reply).
    Behind { applied: Zxid },
    /// Unknown, expired, or the password does not match (ZooKeeper answers
    /// these alike).
    Expired { wrong_password: bool },
}

/// The request core one front end uses. Cheap to clone.
#[derive(Clone)]
pub struct RequestCore {
    handle: NodeHandle,
}

impl RequestCore {
    pub fn new(handle: NodeHandle) -> RequestCore {
        RequestCore { handle }
    }

    pub fn handle(&self) -> &NodeHandle {
        &self.handle
    }

    /// The zxid applied here now, read in order with the commits (after a
    /// write it covers that write); the published one if the node stopped.
    pub async fn applied_zxid(&self) -> Zxid {
        match self.handle.read(|r| r.last_zxid()).await {
            Ok(z) => z,
            Err(_) => self.handle.status().last_zxid,
        }
    }

    /// A new session for a client that has seen `last_zxid_seen`.
    pub async fn open(&self, timeout_ms: i32, last_zxid_seen: i64) -> Result<Opened, RequestError> {
        let applied = self.applied_zxid().await;
        if is_behind(applied, last_zxid_seen) {
            return Ok(Opened::Behind { applied });
        }
        let (session, timeout_ms, password) = self.handle.create_session(timeout_ms).await?;
        Ok(Opened::Session {
            session,
            timeout_ms,
            password,
            zxid: self.applied_zxid().await,
        })
    }

    /// A client reconnecting with `session` and `password`. Behind is
    /// checked first: a session created after what this server applied is
    /// not here yet, and not expired either.
    pub async fn resume(
        &self,
        session: SessionId,
        password: &[u8],
        last_zxid_seen: i64,
    ) -> Result<Opened, RequestError> {
        let given = password.to_vec();
        let (applied, found) = self
            .handle
            .read(move |r| {
                let tree = r.tree();
                let found = tree.session(session).map(|s| {
                    (
                        s.timeout_ms,
                        tree.session_valid(session, &given),
                        s.password,
                    )
                });
                (r.last_zxid(), found)
            })
            .await?;
        if is_behind(applied, last_zxid_seen) {
            return Ok(Opened::Behind { applied });
        }
        match found {
            None => Ok(Opened::Expired {
                wrong_password: false,
            }),
            Some((_, false, _)) => Ok(Opened::Expired {
                wrong_password: true,
            }),
            Some((timeout_ms, true, password)) => {
                self.handle.touch(session).await?;
                Ok(Opened::Session {
                    session,
                    timeout_ms,
                    password,
                    zxid: applied,
                })
            }
        }
    }

    /// A read on this server's replica for `session`, behind its earlier
    /// writes, with the zxid it was served at. A session that no longer
    /// exists gets SessionExpired (session 0 is anonymous and always
    /// passes).
    pub async fn read<T, F>(
        &self,
        session: SessionId,
        f: F,
    ) -> Result<(Zxid, Result<T, ErrorCode>), RequestError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Replica) -> Result<T, ErrorCode> + Send + 'static,
    {
        self.handle
            .read_as(session, move |r| {
                let zxid = r.last_zxid();
                if session != 0 && r.tree().session(session).is_none() {
                    return (zxid, Err(ErrorCode::SessionExpired));
                }
                (zxid, f(r))
            })
            .await
    }

    /// A write through the protocol, answered once applied here, with the
    /// zxid applied at that moment (at least the write's own).
    pub async fn write(&self, command: Command) -> (Zxid, Result<OpResult, RequestError>) {
        let result = self.handle.submit(command).await;
        (self.applied_zxid().await, result)
    }
}

/// True when a client has seen a zxid this server has not applied.
pub fn is_behind(applied: Zxid, last_zxid_seen: i64) -> bool {
    Zxid(last_zxid_seen.max(0) as u64) > applied
}
