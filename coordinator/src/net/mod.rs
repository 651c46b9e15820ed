//! The peer transport between zoolab servers: TCP, one connection per pair
//! of nodes, length-prefixed postcard frames, generic over the message type.
//!
//! - **Frames**: a u32 big-endian payload length, then the payload; a frame
//!   over [`Limits::max_frame`] closes the connection before anything is
//!   allocated for it ([`frame`]).
//! - **Handshake**: every connection opens with magic, format version,
//!   cluster id, protocol name and both node ids; a mismatch is refused, with
//!   a [`Rejection`] frame the dialer logs ([`handshake`]).
//! - **One connection per pair**: of two nodes, the higher id dials
//!   ([`dials`]) and the connection carries messages both ways. The lower id
//!   refuses a dial from a lower id (`WrongDirection`), and when the higher
//!   id dials again (it restarted, or saw the old connection break first)
//!   the new connection replaces the old.
//! - **Reconnects**: the dialer retries with exponential backoff, capped,
//!   with jitter ([`backoff`]); a connection silent for
//!   [`Limits::idle_timeout`] is dropped (both sides ping every
//!   [`Limits::ping_interval`]).
//! - **Bounded memory**: each peer has a queue of at most
//!   [`Limits::send_queue`] encoded messages and [`Limits::send_queue_bytes`]
//!   bytes; when it is full [`TransportSender::send`] drops the message
//!   (counted, logged at most once a second) instead of blocking.
//!   Messages queued while a peer is down go out when it is back. Cores
//!   retransmit, so delivery is "at most once, FIFO per pair": what one
//!   node receives from another is a subsequence, in order, of what was sent.
//! - **Lifetime**: [`TransportHandle`] owns every task (a `JoinSet`, which
//!   aborts them when dropped); [`TransportHandle::shutdown`] stops them and
//!   waits. The inbound receiver ends once every task is gone.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::collections::BTreeMap;
//! use coordinator::net::{Limits, Transport, TransportConfig};
//! use tokio::net::TcpListener;
//!
//! let one = TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let two = TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let peers = BTreeMap::from([(1, one.local_addr().unwrap()), (2, two.local_addr().unwrap())]);
//! let config = |me, listener: TcpListener| TransportConfig {
//!     me,
//!     cluster_id: "demo".into(),
//!     protocol: "zab".into(),
//!     listen: listener.into(),
//!     peers: peers.clone(),
//!     limits: Limits::default(),
//! };
//! let (node1, mut inbox1) = Transport::start::<String>(config(1, one)).unwrap();
//! let (node2, _inbox2) = Transport::start::<String>(config(2, two)).unwrap();
//! node2.send(1, &"hello".to_string()).unwrap();
//! assert_eq!(inbox1.recv().await, Some((2, "hello".to_string())));
//! node1.shutdown().await;
//! node2.shutdown().await;
//! # }
//! ```

mod backoff;
mod config;
mod frame;
mod handle;
mod handshake;
mod listener;
mod peer;
mod stats;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use protocols::NodeId;

pub use config::{Limits, Listen, StartError, TransportConfig};
pub use frame::FrameError;
pub use handle::{SendError, TransportHandle, TransportSender};
pub use handshake::{HandshakeError, MAGIC, Rejection, VERSION, dials};
pub use stats::{PeerStats, TransportStats};

use handle::{PeerLink, Shared};
use handshake::Identity;
use listener::Listener;
use peer::PeerTask;

/// Pending connections the kernel may hold for the listener.
const LISTEN_BACKLOG: u32 = 1024;

/// Starts transports; see the module documentation.
pub struct Transport;

impl Transport {
    /// Binds (unless given a bound listener), spawns the listener and one
    /// task per peer, and returns the handle and the receiver of every
    /// message from every peer, tagged with its sender's id. Must be called
    /// inside a tokio runtime.
    #[allow(clippy::type_complexity)]
    pub fn start<M>(
        config: TransportConfig,
    ) -> Result<(TransportHandle<M>, mpsc::Receiver<(NodeId, M)>), StartError>
    where
        M: Serialize + DeserializeOwned + Send + 'static,
    {
        let TransportConfig {
            me,
            cluster_id,
            protocol,
            listen,
            peers,
            limits,
        } = config;
        limits.validate()?;
        let listener = match listen {
            Listen::Bound(listener) => listener,
            Listen::Addr(addr) => bind(addr)?,
        };
        let local_addr = listener.local_addr().map_err(StartError::LocalAddr)?;
        let peers: BTreeMap<NodeId, SocketAddr> =
            peers.into_iter().filter(|&(id, _)| id != me).collect();
        let identity = Arc::new(Identity {
            me,
            cluster_id,
            protocol,
            members: peers.keys().copied().collect(),
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let (inbound_tx, inbound_rx) = mpsc::channel(limits.inbound_queue);

        let mut links = BTreeMap::new();
        let mut incoming = BTreeMap::new();
        let mut peer_tasks = Vec::new();
        for (&peer, &addr) in &peers {
            let (queue_tx, queue_rx) = mpsc::channel(limits.send_queue);
            let counters = Arc::default();
            let incoming_rx = if dials(me, peer) {
                None
            } else {
                // A new connection replaces the old at once, so one slot
                // is enough.
                let (tx, rx) = mpsc::channel(1);
                incoming.insert(peer, tx);
                Some(rx)
            };
            links.insert(
                peer,
                PeerLink {
                    queue: queue_tx,
                    counters: Arc::clone(&counters),
                },
            );
            peer_tasks.push(PeerTask {
                peer,
                addr,
                identity: Arc::clone(&identity),
                queue: queue_rx,
                incoming: incoming_rx,
                inbound: inbound_tx.clone(),
                counters,
                limits: limits.clone(),
                stop: stop_rx.clone(),
            });
        }
        drop(inbound_tx);
        let shared = Arc::new(Shared {
            links,
            max_frame: limits.max_frame_u32() as usize,
            send_queue_bytes: limits.send_queue_bytes,
            rejected_inbound: AtomicU64::new(0),
        });

        let mut tasks = JoinSet::new();
        for task in peer_tasks {
            tasks.spawn(task.run());
        }
        tasks.spawn(
            Listener {
                listener,
                identity,
                incoming: Arc::new(incoming),
                shared: Arc::clone(&shared),
                handshake_timeout: limits.handshake_timeout,
                stop: stop_rx,
            }
            .run(),
        );
        tracing::info!(node = me, %local_addr, peers = peers.len(), "peer transport started");
        Ok((
            TransportHandle {
                me,
                local_addr,
                sender: TransportSender::new(shared),
                stop: stop_tx,
                tasks,
                grace: limits.shutdown_grace,
            },
            inbound_rx,
        ))
    }
}

/// Binds with `SO_REUSEADDR`, so a restarted node gets its port back while
/// its previous connections linger in TIME_WAIT.
fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    let bind_error = |source| StartError::Bind { addr, source };
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(bind_error)?;
    socket.set_reuseaddr(true).map_err(bind_error)?;
    socket.bind(addr).map_err(bind_error)?;
    socket.listen(LISTEN_BACKLOG).map_err(bind_error)
}

/// Resolves once shutdown is requested, or once the handle is gone.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|&stop| stop).await;
}
