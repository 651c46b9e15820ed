//! The accept loop: every incoming connection is handshaken in its own
//! task, then handed to the task of the peer it proved to be.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use protocols::NodeId;

use super::handle::Shared;
use super::handshake::{self, HandshakeError, Identity};
use super::stopped;

/// Connections being handshaken at once; more are closed at once, so a
/// flood of half-open connections cannot pile up tasks.
const MAX_PENDING_HANDSHAKES: usize = 64;
/// Pause after a failed accept (out of file descriptors, say), instead of
/// spinning on the error.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

pub(crate) struct Listener {
    pub listener: TcpListener,
    pub identity: Arc<Identity>,
    /// For each peer that dials us, where its handshaken connections go.
    pub incoming: Arc<BTreeMap<NodeId, mpsc::Sender<TcpStream>>>,
    pub shared: Arc<Shared>,
    pub handshake_timeout: Duration,
    pub stop: watch::Receiver<bool>,
}

impl Listener {
    pub(crate) async fn run(mut self) {
        let mut handshakes = JoinSet::new();
        loop {
            tokio::select! {
                biased;
                _ = stopped(&mut self.stop) => break,
                Some(_) = handshakes.join_next(), if !handshakes.is_empty() => {}
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, addr)) if handshakes.len() < MAX_PENDING_HANDSHAKES => {
                        handshakes.spawn(handshake_incoming(
                            stream,
                            addr,
                            Arc::clone(&self.identity),
                            Arc::clone(&self.incoming),
                            Arc::clone(&self.shared),
                            self.handshake_timeout,
                        ));
                    }
                    Ok((_, addr)) => {
                        self.shared.rejected_inbound.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(node = self.identity.me, %addr, "too many pending handshakes: closing connection");
                    }
                    Err(e) => {
                        tracing::warn!(node = self.identity.me, error = %e, "accept failed");
                        tokio::select! {
                            _ = stopped(&mut self.stop) => break,
                            _ = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => {}
                        }
                    }
                },
            }
        }
        // Drops the listening socket before waiting, so the port is free
        // as soon as shutdown returns.
        drop(self.listener);
        handshakes.shutdown().await;
    }
}

async fn handshake_incoming(
    mut stream: TcpStream,
    addr: SocketAddr,
    identity: Arc<Identity>,
    incoming: Arc<BTreeMap<NodeId, mpsc::Sender<TcpStream>>>,
    shared: Arc<Shared>,
    limit: Duration,
) {
    let me = identity.me;
    let _ = stream.set_nodelay(true);
    match handshake::accept(&mut stream, &identity, limit).await {
        Ok(peer) => match incoming.get(&peer) {
            // The peer task takes it, replacing any older connection.
            Some(to_peer) => {
                let _ = to_peer.send(stream).await;
            }
            // `check` lets through only peers that dial us, so this is
            // unreachable; closing the connection is the safe answer.
            None => {
                shared.rejected_inbound.fetch_add(1, Ordering::Relaxed);
            }
        },
        Err(HandshakeError::Refused(why)) => {
            shared.rejected_inbound.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(node = me, %addr, reason = %why, "refused a peer connection");
        }
        Err(e) => {
            shared.rejected_inbound.fetch_add(1, Ordering::Relaxed);
            tracing::info!(node = me, %addr, error = %e, "incoming peer handshake failed");
        }
    }
}
