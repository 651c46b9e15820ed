//! What a transport is started with: who this node is, which cluster and
//! protocol it belongs to, where it listens, who its peers are, and limits.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use protocols::NodeId;

/// Everything [`Transport::start`](super::Transport::start) needs.
#[derive(Debug)]
pub struct TransportConfig {
    /// This node's id.
    pub me: NodeId,
    /// Every server of one cluster carries the same id; a peer announcing
    /// another one is refused (two clusters sharing hosts, a stale config).
    pub cluster_id: String,
    /// The consensus protocol's name (`"zab"`, `"multipaxos"`): nodes
    /// running different protocols cannot talk, so they refuse each other.
    pub protocol: String,
    /// Where to accept peer connections.
    pub listen: Listen,
    /// The membership: every peer's id and peer address. An entry for `me`
    /// is allowed and ignored, so the runtime can pass zoo.cfg's whole
    /// `server.N` list. Connections from ids not in here are refused.
    pub peers: BTreeMap<NodeId, SocketAddr>,
    pub limits: Limits,
}

/// The listening socket: an address to bind, or a listener bound already
/// (tests bind port 0 first to learn every node's address).
#[derive(Debug)]
pub enum Listen {
    Addr(SocketAddr),
    Bound(tokio::net::TcpListener),
}

impl From<SocketAddr> for Listen {
    fn from(addr: SocketAddr) -> Listen {
        Listen::Addr(addr)
    }
}

impl From<tokio::net::TcpListener> for Listen {
    fn from(listener: tokio::net::TcpListener) -> Listen {
        Listen::Bound(listener)
    }
}

/// Bounds on memory and time. The defaults suit a real cluster; tests
/// shrink the queues and the backoff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest frame payload accepted or sent, in bytes. A peer announcing
    /// a larger frame is disconnected before anything is allocated for it.
    /// Snapshot chunks must fit. Capped at `u32::MAX` by the frame header.
    pub max_frame: usize,
    /// Messages waiting for one peer; beyond this new messages are dropped.
    pub send_queue: usize,
    /// Encoded bytes waiting for one peer; beyond this new messages are
    /// dropped too, except into an empty queue (so that any frame under
    /// `max_frame` can be sent). With large messages (snapshot chunks) this,
    /// not `send_queue`, is what bounds memory.
    pub send_queue_bytes: usize,
    /// Messages received and not yet taken by the runtime. When full the
    /// readers stop reading, and TCP pushes back on the senders.
    pub inbound_queue: usize,
    /// First delay before redialing a peer; it doubles on every failure.
    pub backoff_initial: Duration,
    /// Ceiling of the redial delay.
    pub backoff_max: Duration,
    pub connect_timeout: Duration,
    /// How long either side waits for the other's handshake frame.
    pub handshake_timeout: Duration,
    /// A ping goes to a connected peer this often, so that silence means
    /// a dead peer or a broken path.
    pub ping_interval: Duration,
    /// A connection with nothing read for this long is closed (and redialed
    /// by the dialing side). Must be well above `ping_interval`.
    pub idle_timeout: Duration,
    /// How long [`TransportHandle::shutdown`](super::TransportHandle::shutdown)
    /// waits for tasks to finish before aborting them.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_frame: 64 * 1024 * 1024,
            send_queue: 4096,
            send_queue_bytes: 256 * 1024 * 1024,
            inbound_queue: 4096,
            backoff_initial: Duration::from_millis(50),
            backoff_max: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            handshake_timeout: Duration::from_secs(2),
            ping_interval: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Why a transport could not start.
#[derive(Debug)]
pub enum StartError {
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// The listener's own address could not be read.
    LocalAddr(std::io::Error),
    /// A limit that would make the transport useless (a zero-sized queue).
    InvalidLimits(&'static str),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            StartError::LocalAddr(e) => write!(f, "cannot read the listener's address: {e}"),
            StartError::InvalidLimits(why) => write!(f, "invalid transport limits: {why}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind { source, .. } | StartError::LocalAddr(source) => Some(source),
            StartError::InvalidLimits(_) => None,
        }
    }
}

impl Limits {
    pub(crate) fn validate(&self) -> Result<(), StartError> {
        if self.send_queue == 0 || self.send_queue_bytes == 0 || self.inbound_queue == 0 {
            return Err(StartError::InvalidLimits(
                "queues must hold at least one message",
            ));
        }
        if self.max_frame == 0 {
            return Err(StartError::InvalidLimits("max_frame must be positive"));
        }
        if self.idle_timeout <= self.ping_interval {
            return Err(StartError::InvalidLimits(
                "idle_timeout must exceed ping_interval",
            ));
        }
        Ok(())
    }

    /// `max_frame` as the frame header can express it.
    pub(crate) fn max_frame_u32(&self) -> u32 {
        u32::try_from(self.max_frame).unwrap_or(u32::MAX)
    }
}
