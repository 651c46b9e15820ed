//! What one server's peer links carried and what it committed: the counters
//! behind the `messages and bytes per committed write` experiment, the gRPC
//! `Status` fields and the `mntr` four-letter word.
//!
//! Counted by the shell where it hands frames to the [`PeerLink`] and takes
//! them from the inbound queue, so every transport (TCP, the in-memory
//! network of tests) is counted alike. A sent frame may still be dropped by
//! a full queue or a broken connection: these count what the runtime asked
//! for, which is what a protocol costs.
//!
//! [`PeerLink`]: super::PeerLink

/// Counters since the node started (they restart from zero with it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Frames handed to the peer link (core messages, liveness reports and
    /// snapshot chunks).
    pub messages_sent: u64,
    /// Frames taken from peers (undecodable ones included).
    pub messages_received: u64,
    /// The encoded size of those frames, without the transport's framing.
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Commands committed and applied on this server (writes, session
    /// opens and closes; duplicates excluded).
    pub commits: u64,
}

impl Traffic {
    pub(crate) fn sent(&mut self, bytes: usize) {
        self.messages_sent += 1;
        self.bytes_sent += bytes as u64;
    }

    pub(crate) fn received(&mut self, bytes: usize) {
        self.messages_received += 1;
        self.bytes_received += bytes as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_counts_once_with_its_length() {
        let mut t = Traffic::default();
        t.sent(10);
        t.sent(5);
        t.received(7);
        assert_eq!((t.messages_sent, t.bytes_sent), (2, 15));
        assert_eq!((t.messages_received, t.bytes_received), (1, 7));
    }
}
