//! A node on real TCP: the runtime's byte-frame peer seam over the `net`
//! transport, and [`start_server`], which starts a whole server (peer
//! transport, dataDir, node) from a resolved zoo.cfg.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;

use protocols::NodeId;

use crate::net::{
    Limits, Listen, SendError, Transport, TransportConfig, TransportHandle, TransportSender,
};
use crate::server_config::{ProtocolName, ServerConfig};

use super::handle::{Node, NodeHandle};
use super::peer::PeerLink;
use super::registry::{NodeConfig, StartError, start_node};
use super::storage::{StorageError, StorageSpec};

/// Frames on the TCP transport are the runtime's encoded `PeerMessage`s.
impl PeerLink for TransportSender<Vec<u8>> {
    fn send(&self, to: NodeId, frame: Vec<u8>) {
        match TransportSender::send(self, to, &frame) {
            // A full queue is counted and logged by the transport; cores
            // retransmit.
            Ok(()) | Err(SendError::QueueFull(_)) => {}
            Err(e) => tracing::debug!(to, "peer frame not sent: {e}"),
        }
    }
}

/// How a node reaches its peers.
#[derive(Debug)]
pub struct PeerSetup {
    /// Every server of one cluster carries the same id (handshake check).
    pub cluster_id: String,
    pub listen: Listen,
    /// Every peer's id and peer address (an entry for this node is ignored).
    pub peers: BTreeMap<NodeId, SocketAddr>,
    pub limits: Limits,
}

/// A running node and its peer transport.
pub struct TcpNode {
    pub node: Node,
    pub transport: TransportHandle<Vec<u8>>,
}

impl TcpNode {
    pub fn handle(&self) -> NodeHandle {
        self.node.handle.clone()
    }

    /// Where peers reach this node.
    pub fn peer_addr(&self) -> SocketAddr {
        self.transport.local_addr()
    }

    /// Stops the node, then the transport.
    pub async fn stop(self) -> Result<(), StorageError> {
        let result = self.node.stop().await;
        self.transport.shutdown().await;
        result
    }

    /// Aborts both at once, as a crash would.
    pub fn kill(self) {
        self.node.kill();
        drop(self.transport);
    }
}

/// Why a server did not start.
#[derive(Debug)]
pub enum ServerError {
    Transport(crate::net::StartError),
    /// A `server.N` host that does not resolve.
    Resolve {
        id: NodeId,
        address: String,
        error: String,
    },
    Node(StartError),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Transport(e) => write!(f, "peer transport: {e}"),
            ServerError::Resolve { id, address, error } => {
                write!(f, "server.{id}: cannot resolve {address}: {error}")
            }
            ServerError::Node(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ServerError {}

/// Starts the peer transport, then the node on it.
pub async fn start_tcp_node(
    protocol: ProtocolName,
    config: NodeConfig,
    peers: PeerSetup,
    storage: StorageSpec,
) -> Result<TcpNode, ServerError> {
    let (transport, inbound) = Transport::start::<Vec<u8>>(TransportConfig {
        me: config.id,
        cluster_id: peers.cluster_id,
        protocol: protocol.as_str().to_owned(),
        listen: peers.listen,
        peers: peers.peers,
        limits: peers.limits,
    })
    .map_err(ServerError::Transport)?;
    let node = start_node(protocol, config, transport.sender(), inbound, storage)
        .await
        .map_err(ServerError::Node)?;
    Ok(TcpNode { node, transport })
}

/// Starts the server a resolved zoo.cfg describes: the peer transport on
/// its `server.N` peer port, the node on its dataDir.
pub async fn start_server(cfg: &ServerConfig) -> Result<TcpNode, ServerError> {
    let mut peers = BTreeMap::new();
    for (&id, server) in &cfg.servers {
        let address = format!("{}:{}", server.host, server.peer_port);
        let resolved = tokio::net::lookup_host(address.as_str())
            .await
            .map_err(|e| e.to_string())
            .and_then(|mut a| a.next().ok_or_else(|| "no address".to_owned()));
        let addr = resolved.map_err(|error| ServerError::Resolve {
            id,
            address: address.clone(),
            error,
        })?;
        peers.insert(id, addr);
    }
    let listen = match peers.get(&cfg.my_id) {
        Some(addr) => Listen::Addr(*addr),
        // Standalone with no server line: nobody dials in.
        None => Listen::Addr(SocketAddr::from(([127, 0, 0, 1], 0))),
    };
    let setup = PeerSetup {
        cluster_id: cfg.cluster_id.clone(),
        listen,
        peers,
        limits: Limits::default(),
    };
    let config = NodeConfig::from_server_config(cfg);
    start_tcp_node(
        cfg.protocol,
        config,
        setup,
        StorageSpec::DataDir(cfg.data_dir.clone()),
    )
    .await
}
