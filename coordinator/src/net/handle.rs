//! What the runtime holds: the handle that owns the transport's tasks, and
//! cheap senders it can clone anywhere.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use protocols::NodeId;

use super::frame::FrameOut;
use super::stats::{PeerCounters, TransportStats};
use crate::codec::{self, CodecError};

/// The sending end of one peer's queue: encoded frame payloads.
pub(crate) struct PeerLink {
    pub queue: mpsc::Sender<Vec<u8>>,
    pub counters: Arc<PeerCounters>,
}

/// State shared by every sender and the tasks.
pub(crate) struct Shared {
    pub links: BTreeMap<NodeId, PeerLink>,
    pub max_frame: usize,
    pub send_queue_bytes: usize,
    pub rejected_inbound: AtomicU64,
}

/// Why a message was not queued. Every case but `QueueFull` is a bug or a
/// shutdown; `QueueFull` is already counted and logged by the transport, so
/// the caller can ignore it (cores retransmit).
#[derive(Debug)]
pub enum SendError {
    /// `to` is not a configured peer (sending to oneself included).
    UnknownPeer(NodeId),
    /// The peer's queue is full (in messages or in bytes): the message was
    /// dropped.
    QueueFull(NodeId),
    /// The encoded message exceeds `max_frame`: the peer would refuse it.
    TooLarge {
        to: NodeId,
        len: usize,
        max: usize,
    },
    Encode(CodecError),
    /// The transport was shut down.
    Closed,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::UnknownPeer(to) => write!(f, "node {to} is not a peer"),
            SendError::QueueFull(to) => write!(f, "send queue to node {to} is full"),
            SendError::TooLarge { to, len, max } => write!(
                f,
                "message of {len} bytes to node {to} exceeds the frame limit of {max} bytes"
            ),
            SendError::Encode(e) => write!(f, "cannot encode message: {e}"),
            SendError::Closed => write!(f, "transport is shut down"),
        }
    }
}

impl std::error::Error for SendError {}

/// A cloneable, non-blocking way to send messages of type `M` to peers.
pub struct TransportSender<M> {
    shared: Arc<Shared>,
    _message: PhantomData<fn(M)>,
}

impl<M> Clone for TransportSender<M> {
    fn clone(&self) -> Self {
        TransportSender {
            shared: Arc::clone(&self.shared),
            _message: PhantomData,
        }
    }
}

impl<M: Serialize> TransportSender<M> {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        TransportSender {
            shared,
            _message: PhantomData,
        }
    }

    /// Queues `msg` for `to` without waiting. Messages to one peer leave in
    /// the order they were queued; a full queue drops the new message.
    pub fn send(&self, to: NodeId, msg: &M) -> Result<(), SendError> {
        let link = self
            .shared
            .links
            .get(&to)
            .ok_or(SendError::UnknownPeer(to))?;
        let payload = codec::encode(&FrameOut::Msg(msg)).map_err(SendError::Encode)?;
        if payload.len() > self.shared.max_frame {
            return Err(SendError::TooLarge {
                to,
                len: payload.len(),
                max: self.shared.max_frame,
            });
        }
        let len = payload.len();
        let counters = &link.counters;
        if !counters.reserve(len, self.shared.send_queue_bytes) {
            counters.record_drop(to, link.queue.max_capacity());
            return Err(SendError::QueueFull(to));
        }
        match link.queue.try_send(payload) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                counters.release(len);
                counters.record_drop(to, link.queue.max_capacity());
                Err(SendError::QueueFull(to))
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                counters.release(len);
                Err(SendError::Closed)
            }
        }
    }
}

impl<M> TransportSender<M> {
    /// Every configured peer's id.
    pub fn peers(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.shared.links.keys().copied()
    }

    /// The counters of every peer link, for status reporting.
    pub fn stats(&self) -> TransportStats {
        TransportStats {
            peers: self
                .shared
                .links
                .iter()
                .map(|(&id, link)| {
                    let queued = link.queue.max_capacity() - link.queue.capacity();
                    (id, link.counters.snapshot(queued))
                })
                .collect(),
            rejected_inbound: self.shared.rejected_inbound.load(Ordering::Relaxed),
        }
    }
}

/// Owns a running transport. Dropping it aborts every task; [`shutdown`]
/// stops them gracefully and waits for them. No task outlives the handle.
///
/// [`shutdown`]: TransportHandle::shutdown
pub struct TransportHandle<M> {
    pub(crate) me: NodeId,
    pub(crate) local_addr: SocketAddr,
    pub(crate) sender: TransportSender<M>,
    pub(crate) stop: watch::Sender<bool>,
    /// Aborts every task when dropped: the drop guard.
    pub(crate) tasks: JoinSet<()>,
    pub(crate) grace: Duration,
}

impl<M: Serialize> TransportHandle<M> {
    /// See [`TransportSender::send`].
    pub fn send(&self, to: NodeId, msg: &M) -> Result<(), SendError> {
        self.sender.send(to, msg)
    }
}

impl<M> TransportHandle<M> {
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// The address the transport listens on (the real port when bound to 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A sender to hand to other tasks. Once the transport is shut down its
    /// sends fail with [`SendError::Closed`].
    pub fn sender(&self) -> TransportSender<M> {
        self.sender.clone()
    }

    pub fn stats(&self) -> TransportStats {
        self.sender.stats()
    }

    /// Stops listening, closes every connection and waits for every task
    /// to finish (aborting those still running after `shutdown_grace`).
    /// The inbound receiver yields `None` once this returns.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let drained = tokio::time::timeout(self.grace, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                node = self.me,
                "transport tasks did not stop in time: aborting them"
            );
            self.tasks.shutdown().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_and_senders_can_move_between_tasks() {
        fn send_sync<T: Send + Sync>() {}
        // `M` need not be `Sync`: only encoded bytes are shared.
        send_sync::<TransportHandle<std::cell::Cell<u8>>>();
        send_sync::<TransportSender<std::cell::Cell<u8>>>();
    }
}
