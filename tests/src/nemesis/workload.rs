//! The client workers: each its own session (the Rust client, failing over
//! between every server), doing random operations on a few znodes used as
//! registers, plus ephemeral and sequential creates and the occasional
//! session close; every operation goes into the [`History`].

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coordinator::client::{Client, ClientError, KeeperState};
use coordinator::{CreateMode, ErrorCode};

use super::history::{History, Kind, Outcome};
use super::schedule::Rng;

/// How many registers the workers share.
pub const KEYS: usize = 3;
/// Every register's data before the run.
pub const INITIAL: &str = "init";
pub const ROOT: &str = "/nemesis";
pub const EPHEMERALS: &str = "/nemesis/eph";
pub const SEQUENTIAL: &str = "/nemesis/seq";
/// The session timeout the workers ask for (the servers clamp it).
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(2);
/// An operation with no answer by then is indeterminate.
pub const OP_TIMEOUT: Duration = Duration::from_secs(3);

pub fn register(key: usize) -> String {
    format!("{ROOT}/r{key}")
}

/// Sessions the workers ended, or may have.
#[derive(Debug, Default)]
pub struct Sessions {
    /// Closed (acknowledged) or expired.
    pub ended: BTreeSet<i64>,
    /// Close not acknowledged.
    pub unsure: BTreeSet<i64>,
}

/// What the workers share.
pub struct Workload {
    pub history: Arc<History>,
    pub connect: String,
    pub stop: AtomicBool,
    pub sessions: Mutex<Sessions>,
}

impl Workload {
    pub fn sessions(&self) -> std::sync::MutexGuard<'_, Sessions> {
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// An error's meaning for the history: definite failures are answers that
/// say the operation did not happen; anything else leaves it unknown.
fn failed(e: &ClientError) -> Outcome {
    match e {
        ClientError::Keeper { code, .. }
            if matches!(
                code,
                ErrorCode::BadVersion | ErrorCode::NoNode | ErrorCode::NodeExists
            ) =>
        {
            Outcome::Fail(code.to_string())
        }
        e => Outcome::Info(e.to_string()),
    }
}

/// Runs worker `id` until [`Workload::stop`]; returns its open client, if
/// any, for the final checks.
pub async fn worker(id: usize, load: Arc<Workload>, seed: u64) -> Option<Client> {
    let mut rng = Rng::new(seed ^ (id as u64).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let mut client: Option<Client> = None;
    // The newest dataVersion this worker saw per register: its CAS guess.
    let mut versions = [0i32; KEYS];
    let mut n = 0u64;
    while !load.stop.load(Ordering::Relaxed) {
        let c = match client.take() {
            Some(c) => c,
            None => match Client::connect(&load.connect, SESSION_TIMEOUT).await {
                Ok(c) => c,
                // Every server down or cut off: try again shortly.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        n += 1;
        let session = c.session_id();
        let key = rng.below(KEYS);
        let value = format!("w{id}-{n}");
        let kind = match rng.below(100) {
            0..25 => Kind::Read { key, synced: true },
            25..45 => Kind::Read { key, synced: false },
            45..65 => Kind::Write { key, value },
            65..85 => Kind::Cas {
                key,
                expect: versions[key],
                value,
            },
            85..92 => Kind::CreateEphemeral {
                path: format!("{EPHEMERALS}/w{id}-{n}"),
            },
            92..98 => Kind::CreateSequential,
            _ => Kind::Close,
        };
        let index = load.history.invoke(id, session, kind.clone());
        let outcome = match tokio::time::timeout(OP_TIMEOUT, perform(&c, &kind)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Info("timeout".into()),
        };
        if let (Some(key), Outcome::Read { version, .. } | Outcome::Written { version }) =
            (kind.key(), &outcome)
        {
            versions[key] = *version;
        }
        let expired = c.state() == KeeperState::Expired;
        let closing = kind == Kind::Close;
        {
            let mut sessions = load.sessions();
            if expired || (closing && outcome.is_ok()) {
                sessions.ended.insert(session);
            } else if closing {
                sessions.unsure.insert(session);
            }
        }
        load.history.complete(index, outcome);
        if !(expired || closing) {
            client = Some(c);
        }
    }
    client
}

async fn perform(c: &Client, kind: &Kind) -> Outcome {
    let result = match kind {
        Kind::Read { key, synced } => {
            let path = register(*key);
            if *synced && let Err(e) = c.sync(&path).await {
                return failed(&e);
            }
            c.get_data(&path, false)
                .await
                .map(|(data, stat)| Outcome::Read {
                    value: String::from_utf8_lossy(&data.unwrap_or_default()).into_owned(),
                    version: stat.version,
                })
        }
        Kind::Write { key, value } => {
            c.set_data(&register(*key), value.as_bytes(), -1)
                .await
                .map(|stat| Outcome::Written {
                    version: stat.version,
                })
        }
        Kind::Cas { key, expect, value } => c
            .set_data(&register(*key), value.as_bytes(), *expect)
            .await
            .map(|stat| Outcome::Written {
                version: stat.version,
            }),
        Kind::CreateEphemeral { path } => c
            .create(path, b"", CreateMode::Ephemeral)
            .await
            .map(|path| Outcome::Created { path }),
        Kind::CreateSequential => c
            .create(
                &format!("{SEQUENTIAL}/s-"),
                b"",
                CreateMode::PersistentSequential,
            )
            .await
            .map(|path| Outcome::Created { path }),
        Kind::Close => c.close().await.map(|()| Outcome::Done),
    };
    result.unwrap_or_else(|e| failed(&e))
}
