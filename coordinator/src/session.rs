//! Sessions: the replicated session table, and how a cluster decides that a
//! session expired.
//!
//! # Session ids
//!
//! A session id is decided at apply time, from the createSession command's
//! zxid and origin server:
//!
//! ```text
//! id = origin << 56 | (zxid & 0x00FF_FFFF_FFFF_FFFF)
//! ```
//!
//! The zxid alone makes it unique: every command has its own zxid, zxids
//! never repeat across the cluster or across restarts (they only grow), and
//! the low 56 bits keep `epoch` up to 2^24 and the whole 32-bit counter. The
//! origin in the top byte makes ids look like ZooKeeper's (`serverId << 56`,
//! e.g. `0x1000a2b3c0000` style values) and tells an operator which server
//! took the connection. Ids are positive for origins below 128 and never 0
//! (no command commits at zxid 0), so 0 keeps ZooKeeper's meaning of "no
//! session".
//!
//! # Passwords
//!
//! 16 bytes chosen by the proposing server (from its OS randomness) and
//! carried in the command, so every replica stores the same password and any
//! server can check a reconnecting client.
//!
//! # Timeouts
//!
//! The requested timeout is clamped into [minSessionTimeout,
//! maxSessionTimeout], by default [2·tickTime, 20·tickTime], at apply time
//! with the tree's [`TreeConfig`](crate::config::TreeConfig).
//!
//! # Expiry, for every protocol (leader-based or leaderless)
//!
//! Liveness is not replicated state: heartbeats would flood the log. It is
//! decided outside the state machine, and only the decision is replicated:
//!
//! 1. The server a client is connected to records its pings. Every tick it
//!    sends the ids of the sessions it saw alive to every peer, on the peer
//!    link beside the protocol's messages (not a command).
//! 2. One server acts as *session keeper*: the protocol's leader where there
//!    is one (Multi-Paxos, Zab); under leaderless basic Paxos, the lowest-id
//!    server among itself and the peers it heard from within the last
//!    session timeout ([`choose_keeper`](crate::session_tracker::choose_keeper)).
//! 3. The keeper runs a [`SessionTracker`](crate::session_tracker::SessionTracker)
//!    fed with its own and its peers' reports. For a session nobody reported
//!    alive for its whole timeout it proposes `ExpireSession(id)`.
//! 4. A server that becomes keeper first grants every session a full
//!    timeout from that moment: it cannot know how recently the old keeper
//!    heard from them, and expiring late is safe while expiring early is not.
//! 5. Two keepers at once (during a leader change, or with basic Paxos
//!    views that briefly disagree) are harmless: expiry and close are
//!    idempotent — closing a closed session does nothing — and a keeper cut
//!    off from a majority cannot commit anything.
//!
//! A client that reconnects to another server within its timeout is reported
//! alive by that server, so it keeps its session and ephemerals. A client
//! whose server died is reported by nobody and expires after its timeout
//! (plus at most one timeout of grace if the keeper changed).
//!
//! The state machine side: `ExpireSession` and `CloseSession` remove the
//! session and all its ephemerals, raising NodeDeleted and
//! NodeChildrenChanged for each, at the command's zxid. Commands from a
//! session that is no longer in the table fail with SessionExpired, so a
//! write racing the expiry cannot leave an orphan ephemeral behind.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use protocols::{NodeId, Zxid};

use crate::event::SessionId;

/// One live session.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Session {
    pub id: SessionId,
    /// The negotiated timeout (ms).
    pub timeout_ms: i32,
    pub password: [u8; 16],
    /// Paths of the ephemeral nodes it owns.
    pub ephemerals: BTreeSet<String>,
}

/// The id of the session created by the command from `origin` committed at
/// `zxid` (see the module docs).
pub fn session_id(origin: NodeId, zxid: Zxid) -> SessionId {
    (((origin & 0xff) << 56) | (zxid.0 & 0x00FF_FFFF_FFFF_FFFF)) as SessionId
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_per_zxid_and_carry_the_origin() {
        let a = session_id(1, Zxid::new(1, 5));
        let b = session_id(2, Zxid::new(1, 6));
        let c = session_id(1, Zxid::new(2, 5));
        assert_eq!(a, 0x0100_0001_0000_0005);
        assert_eq!(b >> 56, 2);
        assert!(a != b && a != c && b != c);
        assert!(a > 0 && b > 0 && c > 0);
    }
}
