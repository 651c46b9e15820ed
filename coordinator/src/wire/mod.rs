//! ZooKeeper 3.8's client protocol on `clientPort`: a second front end over
//! the same request core as gRPC ([`crate::frontend::RequestCore`]), so
//! unmodified ZooKeeper clients (zkCli.sh, kazoo, Curator) work. The
//! reference is `zk-wire-protocol.md` and the frames captured from a real
//! 3.8 server (`testdata/wire.jsonl`).
//!
//! - [`jute`]: the binary archive (big-endian, -1 is null);
//!   [`records`]: headers, Stat/ACL, connect records, notifications;
//!   [`request`], [`response`], [`multi`]: every request body a 3.8 client
//!   sends and every reply body, both directions (tests and the fuzz
//!   target decode replies too); [`opcode`]: op codes and special xids.
//! - [`frame`]: length-prefixed frames, `jute.maxbuffer`.
//! - `conn`: one connection (handshake, ordered replies, notifications
//!   before the reply that caused them, idle timeout); `dispatch`: one
//!   request through the request core.
//! - [`roundtrip`]: the decoder's properties, run by the fuzz target.
//! - [`fourlw`]: recognising four-letter words and the hook that answers.
//! - [`WireServer`]: the listener, with `maxClientCnxns` per client IP.
//!
//! Where it differs from ZooKeeper 3.8:
//! - A request the protocol could not order (no leader, outcome unknown)
//!   closes the connection instead of answering: the client reconnects
//!   and retries, as it would after a timeout against ZooKeeper.
//! - A bare `check` (13) outside multi is answered (ZooKeeper 3.8 sends
//!   nothing); `reconfig`, `sasl` and getMaxChildren are UNIMPLEMENTED.
//! - Children come back sorted; session ids and passwords differ in value.
//!
//! Identities: every connection starts as `ip:<address>`; auth packets add
//! what [`crate::auth`] proves (digest, ip; super with a super digest) and
//! every command and read carries them, so ACLs are enforced by the request
//! core exactly as for gRPC. An unknown scheme is AUTHFAILED and closes
//! the connection.

mod conn;
mod dispatch;
pub mod fourlw;
pub mod frame;
pub mod jute;
pub mod multi;
pub mod opcode;
pub mod records;
pub mod request;
pub mod response;
pub mod roundtrip;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::frontend::RequestCore;
use crate::runtime::NodeHandle;
use crate::server_config::ServerConfig;

pub use conn::decode_request;
pub use fourlw::FourLetterWords;
pub use jute::{DEFAULT_MAX_BUFFER, JuteError};

/// ZooKeeper's default `maxClientCnxns`.
pub const DEFAULT_MAX_CLIENT_CNXNS: usize = 60;

/// The settings of the listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireConfig {
    /// `jute.maxbuffer`: longer frames close the connection. ZooKeeper adds
    /// nothing here; the deserializer allows twice this for one field.
    pub max_buffer: usize,
    /// `maxClientCnxns`: connections per client IP; 0 is unlimited.
    pub max_client_cnxns: usize,
    /// How long a connection may take to send its ConnectRequest.
    pub max_session_timeout_ms: u32,
}

impl WireConfig {
    pub fn from_server(config: &ServerConfig) -> WireConfig {
        WireConfig {
            max_buffer: DEFAULT_MAX_BUFFER.max(config.max_data_bytes),
            max_client_cnxns: config.max_client_cnxns,
            max_session_timeout_ms: config.max_session_timeout_ms,
        }
    }
}

impl Default for WireConfig {
    fn default() -> WireConfig {
        WireConfig {
            max_buffer: DEFAULT_MAX_BUFFER,
            max_client_cnxns: DEFAULT_MAX_CLIENT_CNXNS,
            max_session_timeout_ms: 40_000,
        }
    }
}

/// What every connection of one listener shares.
pub(crate) struct Shared {
    core: RequestCore,
    config: WireConfig,
    fourlw: Option<Arc<dyn FourLetterWords>>,
    stopping: watch::Receiver<bool>,
}

/// Why the listener did not start.
#[derive(Debug)]
pub struct WireError {
    pub addr: SocketAddr,
    pub source: std::io::Error,
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot listen for ZooKeeper clients on {}: {}",
            self.addr, self.source
        )
    }
}

impl std::error::Error for WireError {}

/// The wire-protocol listener, running on its own task.
pub struct WireServer {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WireServer {
    /// Binds `addr` (port 0 picks one) and serves `handle` there.
    /// `fourlw` answers four-letter words; without one they are closed
    /// unanswered.
    pub async fn start(
        handle: NodeHandle,
        addr: SocketAddr,
        config: WireConfig,
        fourlw: Option<Arc<dyn FourLetterWords>>,
    ) -> Result<WireServer, WireError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| WireError { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| WireError { addr, source })?;
        let (stop, stopping) = watch::channel(false);
        let shared = Arc::new(Shared {
            core: RequestCore::new(handle),
            config,
            fourlw,
            stopping,
        });
        let task = tokio::spawn(accept(listener, shared));
        Ok(WireServer { addr, stop, task })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and closes every connection.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Connections per client IP.
#[derive(Default)]
struct PerIp(Mutex<BTreeMap<IpAddr, usize>>);

impl PerIp {
    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<IpAddr, usize>) -> R) -> R {
        let mut m = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut m)
    }

    fn try_add(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<Slot> {
        self.with(|m| {
            let n = m.entry(ip).or_default();
            if max != 0 && *n >= max {
                return None;
            }
            *n += 1;
            Some(Slot {
                table: self.clone(),
                ip,
            })
        })
    }
}

/// One counted connection; dropping it frees the slot.
struct Slot {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.table.with(|m| {
            if let Some(n) = m.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    m.remove(&self.ip);
                }
            }
        });
    }
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let per_ip = Arc::new(PerIp::default());
    let mut stopping = shared.stopping.clone();
    loop {
        let (stream, peer) = tokio::select! {
            () = stopped(&mut stopping) => return,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors and the like: the next accept may
                    // succeed once a connection closes.
                    tracing::warn!("wire: accept failed: {e}");
                    tokio::task::yield_now().await;
                    continue;
                }
            },
        };
        let Some(slot) = per_ip.try_add(peer.ip(), shared.config.max_client_cnxns) else {
            tracing::warn!(
                "wire: too many connections from {} (maxClientCnxns={}): closing",
                peer.ip(),
                shared.config.max_client_cnxns
            );
            drop(stream);
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            conn::run(stream, peer, shared).await;
            drop(slot);
        });
    }
}

/// Resolves once the listener is stopping (or its sender is gone).
pub(crate) async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|s| *s).await;
}
