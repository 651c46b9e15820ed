//! What one batch of inputs asks the host to do, and in which order.

use protocols::{Core, NodeId, RecordOf, Status, Ticks, Zxid};

use crate::event::SessionId;
use crate::result::OpResult;
use crate::runtime::error::RequestError;
use crate::runtime::peer::PeerMessage;
use crate::runtime::state_machine::AppliedCommit;
use crate::watch::WatchedEvent;

/// The host's correlation handle for one submitted request.
pub type Ticket = u64;

/// A core timer to arm or disarm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimerOp<T> {
    Set { timer: T, after: Ticks },
    Cancel(T),
}

/// Something for a local client, in commit order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// A watch notification for a session connected here.
    Event(WatchedEvent),
    /// The answer to a submitted request.
    Reply {
        ticket: Ticket,
        result: Result<OpResult, RequestError>,
    },
}

/// The Ready batch (etcd-raft's name). The host performs it in this order:
///
/// 1. `persist`: append every record, then ONE fsync;
/// 2. `send` and `snapshot_to`: only after the fsync returned (contract
///    rule 1);
/// 3. `deliveries`: events and replies, after the fsync (rule 2) — the
///    commits behind them are already applied to the replica, in order;
/// 4. `snapshot`: save it, then feed `Input::SnapshotSaved` back;
///    `compacted`: after this batch's records are durable, the log may be
///    checkpointed (the core forgot what the snapshot holds);
/// 5. `timers`, in order (a later setting of a timer replaces an earlier).
#[derive(Debug)]
pub struct Ready<C: Core> {
    pub persist: Vec<RecordOf<C>>,
    pub send: Vec<(NodeId, PeerMessage<C::Msg>)>,
    /// Peers to stream this node's snapshot to.
    pub snapshot_to: Vec<NodeId>,
    /// Every commit applied in this batch, in zxid order.
    pub commits: Vec<AppliedCommit>,
    pub deliveries: Vec<Delivery>,
    pub timers: Vec<TimerOp<C::Timer>>,
    /// The core's status, if it changed.
    pub status: Option<Status>,
    /// A snapshot of the state machine to save durably.
    pub snapshot: Option<(Zxid, Vec<u8>)>,
    /// A `SnapshotSaved` was handed to the core in this batch.
    pub compacted: bool,
    /// Sessions closed or expired in this batch: end their event streams.
    pub closed_sessions: Vec<SessionId>,
    /// A snapshot from a peer replaced the tree and dropped every watch:
    /// front ends should make their clients re-register (setWatches).
    pub watches_reset: bool,
}

impl<C: Core> Default for Ready<C> {
    fn default() -> Ready<C> {
        Ready {
            persist: Vec::new(),
            send: Vec::new(),
            snapshot_to: Vec::new(),
            commits: Vec::new(),
            deliveries: Vec::new(),
            timers: Vec::new(),
            status: None,
            snapshot: None,
            compacted: false,
            closed_sessions: Vec::new(),
            watches_reset: false,
        }
    }
}

impl<C: Core> Ready<C> {
    /// Nothing to do.
    pub fn is_empty(&self) -> bool {
        self.persist.is_empty()
            && self.send.is_empty()
            && self.snapshot_to.is_empty()
            && self.commits.is_empty()
            && self.deliveries.is_empty()
            && self.timers.is_empty()
            && self.status.is_none()
            && self.snapshot.is_none()
            && !self.compacted
            && self.closed_sessions.is_empty()
            && !self.watches_reset
    }

    /// The replies of this batch (for tests and logs).
    pub fn replies(&self) -> impl Iterator<Item = (Ticket, &Result<OpResult, RequestError>)> {
        self.deliveries.iter().filter_map(|d| match d {
            Delivery::Reply { ticket, result } => Some((*ticket, result)),
            Delivery::Event(_) => None,
        })
    }
}
