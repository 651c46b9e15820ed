//! Per-peer counters, shared by the caller's `send`, the peer task and the
//! listener, and read by status reporting.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use protocols::NodeId;

/// A snapshot of one peer link's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerStats {
    /// A handshaken connection to the peer is up now.
    pub connected: bool,
    /// Connections established since start.
    pub connects: u64,
    /// Messages written to a connection (not necessarily received: a
    /// connection that breaks loses what was in flight).
    pub sent: u64,
    /// Messages received from the peer (counted as they are handed to the
    /// runtime's receiver).
    pub received: u64,
    /// Messages dropped because the peer's send queue was full.
    pub dropped: u64,
    /// Messages waiting in the send queue now.
    pub queued: usize,
    /// Their encoded size, in bytes.
    pub queued_bytes: usize,
    /// Failed dials and handshakes towards or from this peer (including
    /// rejections, either way).
    pub handshake_failures: u64,
    /// Frames from this peer refused for exceeding `max_frame`.
    pub oversize_frames: u64,
    /// Frames from this peer that did not decode.
    pub bad_frames: u64,
}

/// A snapshot of the whole transport's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransportStats {
    pub peers: BTreeMap<NodeId, PeerStats>,
    /// Incoming connections refused before they could be tied to a
    /// configured peer (unknown ids, other clusters, non-zoolab clients).
    pub rejected_inbound: u64,
}

/// How often a full queue may log.
const DROP_LOG_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub(crate) struct PeerCounters {
    pub connected: AtomicBool,
    pub connects: AtomicU64,
    pub sent: AtomicU64,
    pub received: AtomicU64,
    pub dropped: AtomicU64,
    pub handshake_failures: AtomicU64,
    pub oversize_frames: AtomicU64,
    pub bad_frames: AtomicU64,
    queued_bytes: AtomicUsize,
    dropped_unlogged: AtomicU64,
    last_drop_log: Mutex<Option<Instant>>,
}

impl PeerCounters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Accounts for `len` more bytes in the queue, unless that would take a
    /// non-empty queue over `max`.
    pub(crate) fn reserve(&self, len: usize, max: usize) -> bool {
        let before = self.queued_bytes.fetch_add(len, Ordering::Relaxed);
        if before > 0 && before.saturating_add(len) > max {
            self.queued_bytes.fetch_sub(len, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// `len` bytes left the queue (or never made it in). Called right where
    /// a payload is taken out, with no await in between, so no cancellation
    /// can lose the update.
    pub(crate) fn release(&self, len: usize) {
        self.queued_bytes.fetch_sub(len, Ordering::Relaxed);
    }

    /// Counts one dropped message, and logs the drops at most once a second.
    pub(crate) fn record_drop(&self, peer: NodeId, queue: usize) {
        let total = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        self.dropped_unlogged.fetch_add(1, Ordering::Relaxed);
        // A contended lock means someone else is logging right now.
        let Ok(mut last) = self.last_drop_log.try_lock() else {
            return;
        };
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < DROP_LOG_EVERY) {
            return;
        }
        *last = Some(now);
        let since = self.dropped_unlogged.swap(0, Ordering::Relaxed);
        tracing::warn!(
            peer,
            dropped = since,
            total,
            queue,
            "send queue to peer full: dropping messages"
        );
    }

    pub(crate) fn snapshot(&self, queued: usize) -> PeerStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        PeerStats {
            connected: self.connected.load(Ordering::Relaxed),
            connects: get(&self.connects),
            sent: get(&self.sent),
            received: get(&self.received),
            dropped: get(&self.dropped),
            queued,
            queued_bytes: self.queued_bytes.load(Ordering::Relaxed),
            handshake_failures: get(&self.handshake_failures),
            oversize_frames: get(&self.oversize_frames),
            bad_frames: get(&self.bad_frames),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_bound_admits_one_message_into_an_empty_queue_only() {
        let c = PeerCounters::default();
        assert!(c.reserve(500, 100), "an empty queue takes any frame");
        assert!(!c.reserve(1, 100));
        c.release(500);
        assert!(c.reserve(60, 100));
        assert!(c.reserve(40, 100));
        assert!(!c.reserve(1, 100));
        assert_eq!(c.snapshot(2).queued_bytes, 100);
    }

    #[test]
    fn drops_are_all_counted_even_when_not_logged() {
        let c = PeerCounters::default();
        for _ in 0..1000 {
            c.record_drop(2, 16);
        }
        assert_eq!(c.snapshot(16).dropped, 1000);
        // The first drop logged at once; the rest wait for the next second.
        assert_eq!(c.dropped_unlogged.load(Ordering::Relaxed), 999);
    }
}
