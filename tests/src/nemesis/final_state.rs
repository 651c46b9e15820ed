//! The registers and directories the workers use, created before the run,
//! and the healed cluster read back after it (the final register reads go
//! into the history as synced reads, so the linearizability checker also
//! proves no acknowledged write was lost).

use std::future::Future;
use std::time::Duration;

use coordinator::CreateMode;
use coordinator::client::{Client, ClientError, KeeperState};

use super::check::durability::FinalState;
use super::history::{History, Kind, Outcome};
use super::workload::{
    EPHEMERALS, INITIAL, KEYS, OP_TIMEOUT, ROOT, SEQUENTIAL, SESSION_TIMEOUT, Workload, register,
};

/// How long the healed cluster gets to answer each final read.
const PATIENCE: Duration = Duration::from_secs(20);

/// Retries `f` (each try bounded by the operation timeout) until it
/// succeeds or [`PATIENCE`] runs out.
async fn retry<T, F, Fut>(what: &str, mut f: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let last = match tokio::time::timeout(OP_TIMEOUT, f()).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "timeout".to_string(),
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("{what}: {last}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn connect(connect: &str) -> Result<Client, String> {
    Client::connect(connect, SESSION_TIMEOUT)
        .await
        .map_err(|e| format!("connect: {e}"))
}

/// Creates the registers (data [`INITIAL`], version 0) and directories.
pub async fn set_up(connect_string: &str) -> Result<(), String> {
    let c = connect(connect_string).await?;
    let mut paths = vec![ROOT.to_string(), EPHEMERALS.into(), SEQUENTIAL.into()];
    paths.extend((0..KEYS).map(register));
    for path in paths {
        let data = if path.starts_with(&format!("{ROOT}/r")) {
            INITIAL.as_bytes()
        } else {
            b""
        };
        retry(&format!("create {path}"), || async {
            match c.create(&path, data, CreateMode::Persistent).await {
                Err(ClientError::Keeper {
                    code: coordinator::ErrorCode::NodeExists,
                    ..
                }) => Ok(String::new()),
                r => r,
            }
        })
        .await?;
    }
    let _ = c.close().await;
    Ok(())
}

/// Reads the healed cluster: registers (recorded as worker `reader`'s
/// synced reads), sequential nodes, and ephemerals before and after the
/// workers' open sessions (`clients`) are closed.
pub async fn read(
    connect_string: &str,
    history: &History,
    reader: usize,
    load: &Workload,
    clients: &[Client],
) -> Result<FinalState, String> {
    let c = connect(connect_string).await?;
    let mut fin = FinalState::default();
    for key in 0..KEYS {
        let path = register(key);
        let (value, version) = retry(&format!("read {path}"), || async {
            let kind = Kind::Read { key, synced: true };
            let index = history.invoke(reader, c.session_id(), kind);
            let result = async {
                c.sync(&path).await?;
                c.get_data(&path, false).await
            };
            let outcome = match tokio::time::timeout(OP_TIMEOUT, result).await {
                Ok(Ok((data, stat))) => Outcome::Read {
                    value: String::from_utf8_lossy(&data.unwrap_or_default()).into_owned(),
                    version: stat.version,
                },
                Ok(Err(e)) => Outcome::Info(e.to_string()),
                Err(_) => Outcome::Info("timeout".into()),
            };
            history.complete(index, outcome.clone());
            match outcome {
                Outcome::Read { value, version } => Ok((value, version)),
                other => Err(ClientError::ConnectionLoss(format!("{other:?}"))),
            }
        })
        .await?;
        fin.registers.push((value, version));
    }
    retry("sync", || c.sync("/")).await?;
    let names = retry("list sequential", || c.get_children(SEQUENTIAL, false)).await?;
    fin.sequential = names
        .into_iter()
        .map(|n| format!("{SEQUENTIAL}/{n}"))
        .collect();

    // Whose sessions live now: a call tells each client whether it expired.
    for w in clients {
        let _ = tokio::time::timeout(OP_TIMEOUT, w.exists("/", false)).await;
        if w.state() == KeeperState::Expired {
            load.sessions().ended.insert(w.session_id());
        }
    }
    {
        let sessions = load.sessions();
        fin.ended = sessions.ended.clone();
        fin.unsure = sessions.unsure.clone();
    }
    fin.ephemerals = ephemerals(&c).await?;

    let mut closed = fin.ended.clone();
    for w in clients {
        if matches!(
            tokio::time::timeout(OP_TIMEOUT, w.close()).await,
            Ok(Ok(()))
        ) {
            closed.insert(w.session_id());
        }
    }
    retry("sync", || c.sync("/")).await?;
    fin.after_close = ephemerals(&c)
        .await?
        .into_iter()
        .filter(|(_, owner)| closed.contains(owner))
        .collect();
    let _ = c.close().await;
    Ok(fin)
}

/// Every ephemeral under [`EPHEMERALS`] and its owner.
async fn ephemerals(c: &Client) -> Result<std::collections::BTreeMap<String, i64>, String> {
    let names = retry("list ephemerals", || c.get_children(EPHEMERALS, false)).await?;
    let mut out = std::collections::BTreeMap::new();
    for name in names {
        let path = format!("{EPHEMERALS}/{name}");
        if let Some(stat) = retry(&format!("exists {path}"), || c.exists(&path, false)).await? {
            out.insert(path, stat.ephemeral_owner);
        }
    }
    Ok(out)
}
