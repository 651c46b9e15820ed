//! `addauth` for the Rust client: [`Client::add_auth`], and the replay of
//! every identity on the server a session moves to.
//!
//! Identities belong to the server the session is attached to (ZooKeeper:
//! to the connection), so the client remembers each `(scheme, auth)` it
//! added and sends them again, in order, right after resuming the session
//! on another server and before any other request there — as ZooKeeper's
//! client re-sends its auth packets when it reconnects.
//!
//! A failed addauth (AUTHFAILED: an unknown scheme) ends the client, as in
//! ZooKeeper: the state becomes [`KeeperState::AuthFailed`] (an event
//! says so), every later call fails with AuthFailed, the keep-alive
//! stops and the session expires on the servers.

use std::sync::Mutex;

use crate::api::pb;
use crate::error::ErrorCode;

use super::Client;
use super::conn::{Rpc, Shared};
use super::error::ClientError;
use super::events::KeeperState;

/// The identities added so far, to replay after a failover.
#[derive(Default)]
pub(crate) struct AuthLog {
    added: Mutex<Vec<(String, Vec<u8>)>>,
}

impl AuthLog {
    fn entries(&self) -> Vec<(String, Vec<u8>)> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, Vec<u8>)>> {
        // Every mutation is one push: a panic elsewhere leaves it whole.
        self.added
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn remember(&self, scheme: &str, auth: &[u8]) {
        let entry = (scheme.to_owned(), auth.to_vec());
        let mut added = self.lock();
        if !added.contains(&entry) {
            added.push(entry);
        }
    }

    /// Sends every remembered identity to the server the session was just
    /// resumed on (`rpc`). `Err` when that server did not answer them all:
    /// try another. A refusal (AUTHFAILED) ends the client, as a failed
    /// addauth does.
    pub(crate) async fn replay(&self, shared: &Shared, rpc: &mut Rpc) -> Result<(), ()> {
        for (scheme, auth) in self.entries() {
            let request = pb::AddAuthRequest {
                header: Some(shared.header()),
                scheme,
                auth,
            };
            let answer = tokio::time::timeout(shared.request_timeout(), rpc.add_auth(request));
            let Ok(Ok(response)) = answer.await else {
                return Err(());
            };
            let header = response.into_inner().header.unwrap_or_default();
            shared.saw_zxid(header.zxid);
            match ErrorCode::from_code(header.err) {
                Some(ErrorCode::Ok) => {}
                Some(ErrorCode::AuthFailed) => {
                    shared.set_state(KeeperState::AuthFailed);
                    return Ok(());
                }
                _ => return Err(()),
            }
        }
        Ok(())
    }
}

/// What every call answers once an addauth failed.
pub(crate) fn auth_failed() -> ClientError {
    ClientError::Keeper {
        code: ErrorCode::AuthFailed,
        message: "an addauth of this client failed: the client is closed".into(),
    }
}

impl Client {
    /// ZooKeeper's `addAuthInfo` / zkCli's `addauth scheme auth`: proves an
    /// identity for the session, e.g. `add_auth("digest", b"user:password")`
    /// (the identity `digest:user:base64(sha1("user:password"))`, see
    /// [`crate::auth::generate_digest`]) or `add_auth("ip", b"")`. The
    /// identity counts for every later request of the session, on this
    /// server and, replayed by the client, on any server it moves to.
    ///
    /// An unknown scheme fails with AuthFailed and ends the client (see
    /// the module docs); a connection loss leaves the identity remembered,
    /// so it is sent again with the session's next server.
    pub async fn add_auth(&self, scheme: &str, auth: &[u8]) -> Result<(), ClientError> {
        self.shared.check_live()?;
        // Remembered first: a failover during the call replays it.
        self.shared.auths.remember(scheme, auth);
        let result = self
            .shared
            .call(true, |mut rpc, header| {
                let request = pb::AddAuthRequest {
                    header: Some(header),
                    scheme: scheme.to_owned(),
                    auth: auth.to_vec(),
                };
                async move { rpc.add_auth(request).await }
            })
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.code() == ErrorCode::AuthFailed => {
                self.shared.set_state(KeeperState::AuthFailed);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }
}
