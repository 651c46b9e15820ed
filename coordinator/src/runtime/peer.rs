//! The peer link as the runtime sees it: frames of two kinds on one
//! connection per peer pair — the core's own messages, opaque here, and the
//! coordinator's (session liveness reports, snapshot chunks).
//!
//! The seam is bytes: [`PeerLink::send`] takes an encoded [`PeerMessage`],
//! and inbound frames arrive on an mpsc receiver of `(from, bytes)`. That
//! keeps the node handle and the protocol registry free of the core's
//! message type, and any transport that moves byte frames (the TCP one of
//! `net`, the in-memory [`MemNet`] of tests) plugs in with no adapter but
//! its constructor.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use protocols::{NodeId, Zxid};

use crate::event::SessionId;

/// One frame on the peer link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeerMessage<M> {
    /// A message of the consensus core.
    Core(M),
    /// The sessions this server saw alive since its last report.
    Liveness { sessions: Vec<SessionId> },
    /// Part of a snapshot (see [`super::snapshot_transfer`]).
    SnapshotChunk {
        at: Zxid,
        offset: u64,
        total: u64,
        bytes: Vec<u8>,
    },
}

/// How the runtime sends frames. Sending never blocks and may drop
/// (a bounded queue to a slow or dead peer): cores retransmit.
pub trait PeerLink: Send + Sync + 'static {
    fn send(&self, to: NodeId, frame: Vec<u8>);
}

/// Inbound frames: `(from, bytes)`.
pub type Inbound = mpsc::Receiver<(NodeId, Vec<u8>)>;

/// Frames queued per peer before [`MemNet`] drops (as a bounded TCP queue).
const MEM_QUEUE: usize = 4096;

/// An in-process network for tests: every node joins with its id; a node
/// that joins again (a restart) replaces its old endpoint; links can be cut.
#[derive(Clone, Default)]
pub struct MemNet {
    inner: Arc<Mutex<MemNetState>>,
}

/// Called on every frame sent on a [`MemNet`]: `(from, to, frame)`.
pub type SendProbe = Arc<dyn Fn(NodeId, NodeId, &[u8]) + Send + Sync>;

#[derive(Default)]
struct MemNetState {
    nodes: BTreeMap<NodeId, mpsc::Sender<(NodeId, Vec<u8>)>>,
    probe: Option<SendProbe>,
    /// Nodes whose traffic is dropped both ways.
    isolated: std::collections::BTreeSet<NodeId>,
}

/// One node's endpoint on a [`MemNet`].
pub struct MemLink {
    me: NodeId,
    net: MemNet,
}

impl MemNet {
    pub fn new() -> MemNet {
        MemNet::default()
    }

    /// Joins (or re-joins) node `me`.
    pub fn join(&self, me: NodeId) -> (MemLink, Inbound) {
        let (tx, rx) = mpsc::channel(MEM_QUEUE);
        self.lock().nodes.insert(me, tx);
        let link = MemLink {
            me,
            net: self.clone(),
        };
        (link, rx)
    }

    /// Drops every frame from or to `node` until [`MemNet::heal`].
    pub fn isolate(&self, node: NodeId) {
        self.lock().isolated.insert(node);
    }

    /// Calls `probe(from, to, frame)` on every frame sent from now on.
    pub fn set_probe(&self, probe: SendProbe) {
        self.lock().probe = Some(probe);
    }

    pub fn heal(&self) {
        self.lock().isolated.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemNetState> {
        // A panic while holding this lock leaves plain data behind.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl PeerLink for MemLink {
    fn send(&self, to: NodeId, frame: Vec<u8>) {
        let state = self.net.lock();
        if let Some(probe) = &state.probe {
            probe(self.me, to, &frame);
        }
        if state.isolated.contains(&self.me) || state.isolated.contains(&to) {
            return;
        }
        if let Some(tx) = state.nodes.get(&to) {
            let _ = tx.try_send((self.me, frame));
        }
    }
}
